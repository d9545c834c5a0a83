"""What every component builds on: the component contract (:mod:`.component`: what a component declares,
the shared sinks, the wiring by capability) and shared AWS knowledge: ARNs (:mod:`.arns`), the alarm,
alarm-action and data-capture inputs of the endpoint modules (:mod:`.sagemaker_inputs`), and what both
endpoint kinds plan alike: alarms (:mod:`.alarms`), data capture (:mod:`.capture`), the execution role's
S3 and capture statements (:mod:`.iam`), model tags (:mod:`.tags`) and where the SageMaker Python SDK
uploads (:mod:`.sagemaker_sdk`); the key policy statement of encrypted log groups
(:mod:`.logs`) and the package of mlinfra's own Lambda code (:mod:`.lambdas`)."""
