"""Which models each service knows and has installed, asked synchronously over gRPC."""
