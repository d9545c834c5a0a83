"""Inference-component fleets: the bundled table of SageMaker instance types and the packing check."""
