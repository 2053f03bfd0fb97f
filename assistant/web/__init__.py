"""The web front ends: JSON API, Gradio chat page, embeddable widget (built by `app.create_app`)."""
