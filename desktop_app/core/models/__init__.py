"""Sentiment models: VADER, full fine-tunes of MiniLM or any transformer, a frozen-MiniLM
logistic-regression head, and a BiLSTM. All follow :class:`SentimentModel`."""

from desktop_app.core.models.base import (
    TRAINING_JSON,
    SentimentModel,
    create_vader,
    load_model,
    read_training_json,
)

MODEL_KINDS = ("minilm", "minilm-head", "transformer", "bilstm", "vader")

__all__ = [
    "MODEL_KINDS",
    "TRAINING_JSON",
    "SentimentModel",
    "create_vader",
    "load_model",
    "read_training_json",
]
