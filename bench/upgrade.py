"""Apply pending migrations (e.g. 0006_performance) to an existing bench database."""
import sys
import time

from flask_migrate import upgrade

from app import create_app

app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "bench"})
with app.app_context():
    started = time.perf_counter()
    upgrade(revision="heads")
    print(f"upgrade took {time.perf_counter() - started:.1f}s")
