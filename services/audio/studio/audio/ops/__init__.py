"""The audio service's operations, each written once for gRPC, jobs and embedded calls."""
