#!/bin/sh
# /usr/bin/sentiment-studio: starts the app installed under /opt/sentiment-studio.
exec /opt/sentiment-studio/sentiment-studio "$@"
