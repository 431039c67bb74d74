"""The CPU talking head: a real photo warped in place (jaw, lips, lids, head), no learned weights."""
