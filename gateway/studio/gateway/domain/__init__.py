"""REST resources, one package per domain: controllers, schemas, services, deps."""
