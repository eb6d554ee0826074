"""The app for gunicorn under load: ``DATABASE_URL`` names the bench database."""
from app import create_app

app = create_app({"SECRET_KEY": "bench"})
