"""Every import name whose distribution is named differently, each declared correctly."""

import importlib

import acme_sdk
import attr
import cv2
import jinja2
import jwt
import magic
import multipart
import pkg_resources
import psycopg2
import requests
import sentry_sdk
from bs4 import BeautifulSoup
from Crypto.Cipher import AES
from dotenv import load_dotenv
from google.cloud import storage
from google.protobuf import json_format
from jose import jwt as jose_jwt
from OpenSSL import crypto
from PIL import Image
from sklearn.linear_model import LinearRegression

from app.services.billing import charge

MODULES = (acme_sdk, attr, cv2, jinja2, jwt, magic, multipart, pkg_resources, psycopg2, requests)
MORE = (sentry_sdk, BeautifulSoup, AES, load_dotenv, storage, json_format, jose_jwt, crypto, Image)
MODEL = LinearRegression
app = charge


def cache_backend() -> object:
    return importlib.import_module("redis")


def fast_json() -> object:
    try:
        return __import__("ujson")
    except ImportError:
        return __import__("json")
