"""The HTTP API and the acknowledge pages: they translate HTTP into use-case calls and back."""
