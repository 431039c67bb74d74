"""Uploads: checked against the one media policy (studio.core.media) and the gateway's limits, then stored."""
