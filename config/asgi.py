import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("PRM_SERVING", "1")  # settings refuse to serve without a SECRET_KEY
application = get_asgi_application()
