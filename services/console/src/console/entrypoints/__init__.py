"""Routes and the browser stream: they translate HTTP into use-case calls and back."""
