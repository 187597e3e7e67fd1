"""What a question asks for and the typed value, figures and sentence that answer it."""
