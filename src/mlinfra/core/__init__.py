"""What every component builds on: the component contract (:mod:`.component`: what a component declares,
the shared sinks, the wiring by capability) and shared AWS knowledge (:mod:`.sagemaker_inputs`: the
alarm, alarm-action and data-capture inputs of the endpoint modules; :mod:`.arns`; :mod:`.logs`: the key
policy statement of encrypted log groups; :mod:`.lambdas`: the package of mlinfra's own Lambda code)."""
