"""User presets kept on the server: a form's fields saved under a name, per account."""
