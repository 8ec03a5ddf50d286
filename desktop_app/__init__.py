"""Sentiment Studio: label, train, predict and explain text sentiment."""

__version__ = "0.1.0"
APP_NAME = "Sentiment Studio"
APP_ID = "sentiment-studio"
ORG_NAME = "SentimentStudio"
