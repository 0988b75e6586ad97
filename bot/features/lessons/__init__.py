"""Weekly lessons, demographic facts, quizzes and spaced review."""
