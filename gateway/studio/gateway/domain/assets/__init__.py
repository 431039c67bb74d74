"""Media assets: uploads and the artifacts jobs produce, scoped to their owner."""
