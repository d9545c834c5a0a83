// CDK for Terraform's side of the render benchmark (issue #22): N seed-shaped endpoints, the same AWS
// resources mlinfra renders for benchmarks/render_speed.py's fleet, resource for resource
// (resources.json lists them; --check compares this app's synth output with that list).
//
//   NODE_PATH=.bench-cdktf/node_modules node benchmarks/cdktf/main.js N OUTDIR [--check]
//
// `cdktf synth` runs the app command of cdktf.json (for a JavaScript app: `node main.js`) with
// CDKTF_OUTDIR set, and that app's `app.synth()` writes OUTDIR/stacks/NAME/cdk.tf.json: timing
// `node main.js` is what synth does, without the CLI's own start-up (which only makes CDKTF slower).
// Plain JavaScript (no TypeScript compile step, which `cdktf synth` would add for a TypeScript app).
// Each resource class is required from its own module (lib/NAME), as cdktf's templates do: requiring
// the provider's index would load every AWS resource class.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { App, TerraformStack } = require("cdktf");
const { AwsProvider } = require("@cdktf/provider-aws/lib/provider");
const { DataAwsCallerIdentity } = require("@cdktf/provider-aws/lib/data-aws-caller-identity");
const { DataAwsPartition } = require("@cdktf/provider-aws/lib/data-aws-partition");
const { DataAwsIamPolicyDocument } = require("@cdktf/provider-aws/lib/data-aws-iam-policy-document");
const { KmsKey } = require("@cdktf/provider-aws/lib/kms-key");
const { KmsAlias } = require("@cdktf/provider-aws/lib/kms-alias");
const { S3Bucket } = require("@cdktf/provider-aws/lib/s3-bucket");
const { S3BucketPublicAccessBlock } = require("@cdktf/provider-aws/lib/s3-bucket-public-access-block");
const { S3BucketOwnershipControls } = require("@cdktf/provider-aws/lib/s3-bucket-ownership-controls");
const { S3BucketVersioningA } = require("@cdktf/provider-aws/lib/s3-bucket-versioning");
const {
  S3BucketServerSideEncryptionConfigurationA,
} = require("@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration");
const { S3BucketLifecycleConfiguration } = require("@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration");
const { S3BucketPolicy } = require("@cdktf/provider-aws/lib/s3-bucket-policy");
const { IamRole } = require("@cdktf/provider-aws/lib/iam-role");
const { IamRolePolicy } = require("@cdktf/provider-aws/lib/iam-role-policy");
const { SagemakerModel } = require("@cdktf/provider-aws/lib/sagemaker-model");
const { SagemakerEndpointConfiguration } = require("@cdktf/provider-aws/lib/sagemaker-endpoint-configuration");
const { SagemakerEndpoint } = require("@cdktf/provider-aws/lib/sagemaker-endpoint");
const { CloudwatchMetricAlarm } = require("@cdktf/provider-aws/lib/cloudwatch-metric-alarm");
const { AppautoscalingTarget } = require("@cdktf/provider-aws/lib/appautoscaling-target");
const { AppautoscalingPolicy } = require("@cdktf/provider-aws/lib/appautoscaling-policy");

const PREFIX = "fleet-prod";
const REGION = "us-east-1";
const MODELS = {
  "1.1.0": {
    image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-inference:1.1.0",
    data: "s3://acme-ml-models/models/v1.1.0/model.tar.gz",
    status: "production",
  },
  "1.2.0": {
    image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-inference:1.2.0",
    data: "s3://acme-ml-models/models/v1.2.0/model.tar.gz",
    status: "canary",
  },
};
// The fleet's endpoint (render_speed.py's ENDPOINT): two variants at 80/20, the first one autoscaled.
const VARIANTS = [
  { name: "production", model: "1.1.0", instanceType: "ml.g4dn.xlarge", count: 2, weight: 80, scaling: true },
  { name: "canary", model: "1.2.0", instanceType: "ml.g4dn.xlarge", count: 2, weight: 20, scaling: false },
];

const hash8 = (value) => crypto.createHash("sha1").update(JSON.stringify(value)).digest("hex").slice(0, 8);

class Fleet extends TerraformStack {
  constructor(scope, id, endpoints) {
    super(scope, id);
    new AwsProvider(this, "aws", {
      region: REGION,
      defaultTags: [{ tags: { Environment: "prod", ManagedBy: "cdktf", Project: "fleet" } }],
    });
    const partition = new DataAwsPartition(this, "partition", {});
    const account = new DataAwsCallerIdentity(this, "account", {});
    const arn = (rest) => `arn:${partition.partition}:${rest}`;
    const names = Array.from({ length: endpoints }, (_, i) => `inference-${i}`);

    // The platform's KMS key and its alias.
    const keyPolicy = new DataAwsIamPolicyDocument(this, "key_policy", {
      statement: [
        {
          sid: "AccountAdministers",
          actions: ["kms:Create*", "kms:Decrypt", "kms:Describe*", "kms:Enable*", "kms:Encrypt", "kms:GenerateDataKey*"],
          resources: ["*"],
          principals: [{ type: "AWS", identifiers: [arn(`iam::${account.accountId}:root`)] }],
        },
      ],
    });
    const key = new KmsKey(this, "kms_key", {
      description: `mlinfra ${PREFIX}: SageMaker endpoint storage and data capture`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: keyPolicy.json,
    });
    new KmsAlias(this, "kms_alias", { name: `alias/${PREFIX}-ml`, targetKeyId: key.keyId });

    // The data capture bucket: private, TLS-only, KMS-encrypted, one expiring prefix per endpoint.
    const bucket = new S3Bucket(this, "capture", { bucket: `${PREFIX}-use1-capture-${account.accountId}` });
    const publicAccess = new S3BucketPublicAccessBlock(this, "capture_public_access", {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "capture_ownership", {
      bucket: bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketVersioningA(this, "capture_versioning", {
      bucket: bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "capture_encryption", {
      bucket: bucket.id,
      rule: [
        {
          bucketKeyEnabled: true,
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn },
        },
      ],
    });
    new S3BucketLifecycleConfiguration(this, "capture_lifecycle", {
      bucket: bucket.id,
      rule: names.map((name) => ({
        id: `expire-${name}`,
        status: "Enabled",
        filter: [{ prefix: `${name}/` }],
        expiration: [{ days: 90 }],
        noncurrentVersionExpiration: [{ noncurrentDays: 7 }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
      })),
    });
    const bucketPolicy = new DataAwsIamPolicyDocument(this, "capture_policy", {
      statement: [
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          actions: ["s3:*"],
          resources: [bucket.arn, `${bucket.arn}/*`],
          principals: [{ type: "*", identifiers: ["*"] }],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    });
    new S3BucketPolicy(this, "capture_bucket_policy", {
      bucket: bucket.id,
      policy: bucketPolicy.json,
      dependsOn: [publicAccess],
    });

    // The SageMaker execution role: the model artifacts, images, capture prefixes and key it needs.
    const assume = new DataAwsIamPolicyDocument(this, "assume", {
      statement: [
        {
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["sagemaker.amazonaws.com"] }],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] }],
        },
      ],
    });
    const role = new IamRole(this, "sagemaker_role", {
      name: `${PREFIX}-use1-sagemaker-execution`,
      assumeRolePolicy: assume.json,
    });
    const permissions = new DataAwsIamPolicyDocument(this, "permissions", {
      statement: [
        {
          sid: "ReadModelArtifacts",
          actions: ["s3:GetObject"],
          resources: Object.values(MODELS).map((m) => arn(`s3:::${m.data.slice(5)}`)),
        },
        {
          sid: "PullModelImages",
          actions: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
          resources: [arn(`ecr:${REGION}:123456789012:repository/ml-inference`)],
        },
        { sid: "EcrAuthorizationToken", actions: ["ecr:GetAuthorizationToken"], resources: ["*"] },
        { sid: "WriteDataCapture", actions: ["s3:PutObject"], resources: names.map((n) => `${bucket.arn}/${n}/*`) },
        { sid: "UsePlatformKey", actions: ["kms:Decrypt", "kms:GenerateDataKey"], resources: [key.arn] },
        {
          sid: "WriteEndpointLogs",
          actions: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
          resources: names.map((n) =>
            arn(`logs:${REGION}:${account.accountId}:log-group:/aws/sagemaker/Endpoints/${PREFIX}-${n}:*`),
          ),
        },
      ],
    });
    new IamRolePolicy(this, "sagemaker_role_policy", {
      name: "least-privilege",
      role: role.id,
      policy: permissions.json,
    });

    for (const name of names) {
      this.endpoint(name, { role, key, bucket });
    }
  }

  endpoint(short, { role, key, bucket }) {
    const name = `${PREFIX}-${short}`;
    const id = short.replace(/-/g, "_");
    const models = {};
    for (const v of VARIANTS) {
      const model = MODELS[v.model];
      const inputs = { image: model.image, data: model.data, role: role.arn, isolation: true };
      models[v.name] = new SagemakerModel(this, `${id}_model_${v.name}`, {
        name: `${name}-${v.name}-${hash8(inputs)}`,
        executionRoleArn: role.arn,
        enableNetworkIsolation: true,
        primaryContainer: { image: model.image, mode: "SingleModel", modelDataUrl: model.data, environment: {} },
        tags: { ModelVersion: v.model, ModelStatus: model.status },
        lifecycle: { createBeforeDestroy: true },
      });
    }
    const variants = VARIANTS.map((v) => ({
      variantName: v.name,
      modelName: models[v.name].name,
      initialVariantWeight: v.weight,
      instanceType: v.instanceType,
      initialInstanceCount: v.count,
    }));
    const capture = {
      enableCapture: true,
      initialSamplingPercentage: 100,
      destinationS3Uri: `s3://${bucket.bucket}/${short}`,
      kmsKeyId: key.arn,
      captureOptions: [{ captureMode: "Input" }, { captureMode: "Output" }],
      captureContentTypeHeader: { jsonContentTypes: ["application/json"] },
    };
    const config = new SagemakerEndpointConfiguration(this, `${id}_config`, {
      name: `${name}-${hash8({ variants: VARIANTS, capture: capture.destinationS3Uri })}`,
      productionVariants: variants,
      dataCaptureConfig: capture,
      lifecycle: {
        createBeforeDestroy: true,
        ignoreChanges: VARIANTS.map((_, i) => `production_variants[${i}].initial_variant_weight`),
      },
    });

    const alarms = [];
    for (const v of VARIANTS) {
      const dimensions = { EndpointName: name, VariantName: v.name };
      alarms.push(
        new CloudwatchMetricAlarm(this, `${id}_alarm_${v.name}_latency_p99`, {
          alarmName: `${name}-${v.name}-latency-p99`,
          alarmDescription: `p99 model latency of variant ${v.name} above 100 ms`,
          comparisonOperator: "GreaterThanThreshold",
          threshold: 100000,
          evaluationPeriods: 2,
          treatMissingData: "notBreaching",
          namespace: "AWS/SageMaker",
          metricName: "ModelLatency",
          extendedStatistic: "p99",
          dimensions,
          period: 60,
          alarmActions: [],
          okActions: [],
        }),
      );
      const metric = (metricName) => ({ namespace: "AWS/SageMaker", metricName, dimensions, period: 60, stat: "Sum" });
      alarms.push(
        new CloudwatchMetricAlarm(this, `${id}_alarm_${v.name}_error_rate`, {
          alarmName: `${name}-${v.name}-5xx-rate`,
          alarmDescription: `5XX error rate of variant ${v.name} above 5 %`,
          comparisonOperator: "GreaterThanThreshold",
          threshold: 5,
          evaluationPeriods: 2,
          treatMissingData: "notBreaching",
          alarmActions: [],
          okActions: [],
          metricQuery: [
            {
              id: "error_rate",
              expression: "IF(invocations > 0, 100 * errors / invocations, 0)",
              label: "5XX error rate (%)",
              returnData: true,
            },
            { id: "errors", metric: metric("Invocation5XXErrors") },
            { id: "invocations", metric: metric("Invocations") },
          ],
        }),
      );
    }

    const endpoint = new SagemakerEndpoint(this, `${id}_endpoint`, {
      name,
      endpointConfigName: config.name,
      deploymentConfig: {
        blueGreenUpdatePolicy: {
          terminationWaitInSeconds: 120,
          maximumExecutionTimeoutInSeconds: 3600,
          trafficRoutingConfiguration: {
            type: "CANARY",
            waitIntervalInSeconds: 300,
            canarySize: { type: "INSTANCE_COUNT", value: 1 },
          },
        },
        autoRollbackConfiguration: { alarms: alarms.map((a) => ({ alarmName: a.alarmName })) },
      },
    });

    for (const v of VARIANTS.filter((v) => v.scaling)) {
      const target = new AppautoscalingTarget(this, `${id}_scaling_${v.name}`, {
        serviceNamespace: "sagemaker",
        resourceId: `endpoint/${endpoint.name}/variant/${v.name}`,
        scalableDimension: "sagemaker:variant:DesiredInstanceCount",
        minCapacity: 2,
        maxCapacity: 20,
      });
      new AppautoscalingPolicy(this, `${id}_scaling_policy_${v.name}`, {
        name: `${name}-${v.name}-invocations`,
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        resourceId: target.resourceId,
        scalableDimension: target.scalableDimension,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: 1000,
          scaleInCooldown: 300,
          scaleOutCooldown: 60,
          predefinedMetricSpecification: { predefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
        },
      });
    }
  }
}

function main(argv) {
  const args = argv.filter((a) => !a.startsWith("--"));
  const endpoints = Number.parseInt(args[0] ?? process.env.ENDPOINTS ?? "1", 10);
  if (!(endpoints >= 1)) throw new Error(`endpoints: a positive number, not ${args[0]}`);
  const outdir = args[1] ?? process.env.CDKTF_OUTDIR ?? fs.mkdtempSync(path.join(require("os").tmpdir(), "cdktf-"));
  const app = new App({ outdir });
  new Fleet(app, "fleet", endpoints);
  app.synth();
  if (argv.includes("--check")) {
    // Not timed: the synthesized resources per type must be resources.json's, shared plus N per endpoint.
    const synth = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "fleet", "cdk.tf.json"), "utf-8"));
    const got = Object.fromEntries(Object.entries(synth.resource).map(([type, r]) => [type, Object.keys(r).length]));
    const spec = JSON.parse(fs.readFileSync(path.join(__dirname, "resources.json"), "utf-8"));
    const want = { ...spec.shared };
    for (const [type, n] of Object.entries(spec.per_endpoint)) want[type] = (want[type] ?? 0) + n * endpoints;
    const sorted = (o) => JSON.stringify(Object.fromEntries(Object.entries(o).sort()));
    if (sorted(got) !== sorted(want)) {
      throw new Error(`synthesized resources ${sorted(got)} are not resources.json's ${sorted(want)}`);
    }
    process.stdout.write(`${sorted(got)}\n`);
  }
}

main(process.argv.slice(2));
