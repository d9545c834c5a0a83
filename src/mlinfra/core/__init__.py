"""What every component builds on: the component contract (:mod:`.component`: what a component declares,
the shared sinks, the wiring by capability) and shared AWS knowledge (:mod:`.sagemaker_inputs`: the
alarm, alarm-action and data-capture inputs of the endpoint modules)."""
