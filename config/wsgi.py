import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("PRM_SERVING", "1")  # settings refuse to serve without a SECRET_KEY
application = get_wsgi_application()
