"""Commands that act on AWS: terraform workflows and live endpoint operations (boto3, imported lazily)."""
