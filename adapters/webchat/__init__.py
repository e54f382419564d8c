"""Web chat: the embeddable widget's socket namespace for anonymous shoppers."""
