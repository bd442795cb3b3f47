import os

from flask import Flask

app = Flask(__name__)
PORT = int(os.environ.get("MOCK_PORT", "9000"))
