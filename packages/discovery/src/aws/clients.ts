// SDK v3 clients, one per service and region, created on first use (never at import time) with
// adaptive retry. The SDK's own default chain supplies credentials and honours AWS_ENDPOINT_URL;
// when an endpoint is overridden S3 is addressed path-style (bucket names are not DNS names there).
import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { IAMClient } from "@aws-sdk/client-iam";
import { Inspector2Client } from "@aws-sdk/client-inspector2";
import { RDSClient } from "@aws-sdk/client-rds";
import { S3Client } from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { STSClient } from "@aws-sdk/client-sts";
import { fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";

/** Static credentials or a provider, as every SDK client accepts them. */
export type AwsCredentials = NonNullable<
  NonNullable<ConstructorParameters<typeof EC2Client>[0]>["credentials"]
>;

export interface AwsClientOptions {
  /** Where IAM, STS and S3 ListBuckets go; also the default for global calls. */
  homeRegion: string;
  /** An explicit endpoint (tests); otherwise the SDK reads AWS_ENDPOINT_URL itself. */
  endpoint?: string;
  /** The environment as the config loader read it: only used to see whether an endpoint is overridden. */
  env?: Readonly<Record<string, string | undefined>>;
  credentials?: AwsCredentials;
  profile?: string;
  /** Assume this role (cross-account scopes), with the scope's external id. */
  assumeRole?: { roleArn: string; externalId?: string; sessionName?: string };
  /** Attempts per call, retries included (default 5). */
  maxAttempts?: number;
}

export interface AwsClients {
  ec2(region: string): EC2Client;
  elbv2(region: string): ElasticLoadBalancingV2Client;
  rds(region: string): RDSClient;
  inspector2(region: string): Inspector2Client;
  iam(): IAMClient;
  sts(): STSClient;
  s3(region?: string): S3Client;
  s3control(): S3ControlClient;
  homeRegion: string;
  destroy(): void;
}

type Identity = { expiration?: Date };

/**
 * One assumed-role session for every client: each SDK client caches credentials on its own, so
 * without this every service and region would call sts:AssumeRole once. Refreshed 5 minutes
 * before it expires; a failure is not cached.
 */
function shared<T extends Identity>(provider: () => Promise<T>): () => Promise<T> {
  let current: Promise<T> | undefined;
  return async () => {
    if (current) {
      const c = await current.catch(() => undefined);
      if (c && (!c.expiration || c.expiration.getTime() - Date.now() > 5 * 60_000)) return c;
    }
    current = provider();
    current.catch(() => (current = undefined));
    return current;
  };
}

export function createAwsClients(opts: AwsClientOptions): AwsClients {
  const endpointOverridden = Boolean(
    opts.endpoint || opts.env?.AWS_ENDPOINT_URL || opts.env?.AWS_ENDPOINT_URL_S3,
  );
  let credentials: AwsCredentials | undefined =
    opts.credentials ?? (opts.profile ? fromNodeProviderChain({ profile: opts.profile }) : undefined);
  if (opts.assumeRole)
    credentials = shared(
      fromTemporaryCredentials({
        ...(credentials ? { masterCredentials: credentials } : {}),
        params: {
          RoleArn: opts.assumeRole.roleArn,
          RoleSessionName: opts.assumeRole.sessionName ?? "ctem-scan",
          ...(opts.assumeRole.externalId ? { ExternalId: opts.assumeRole.externalId } : {}),
        },
        clientConfig: {
          region: opts.homeRegion,
          ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
        },
      }),
    );
  const base = (region: string) => ({
    region,
    retryMode: "adaptive" as const,
    maxAttempts: opts.maxAttempts ?? 5,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  });
  const cache = new Map<string, { destroy(): void }>();
  function get<T extends { destroy(): void }>(name: string, region: string, make: () => T): T {
    const k = `${name}|${region}`;
    let c = cache.get(k) as T | undefined;
    if (!c) {
      c = make();
      cache.set(k, c);
    }
    return c;
  }
  const home = opts.homeRegion;
  return {
    homeRegion: home,
    ec2: (r) => get("ec2", r, () => new EC2Client(base(r))),
    elbv2: (r) => get("elbv2", r, () => new ElasticLoadBalancingV2Client(base(r))),
    rds: (r) => get("rds", r, () => new RDSClient(base(r))),
    inspector2: (r) => get("inspector2", r, () => new Inspector2Client(base(r))),
    iam: () => get("iam", home, () => new IAMClient(base(home))),
    sts: () => get("sts", home, () => new STSClient(base(home))),
    // Buckets live in many regions: the client follows S3's region redirects.
    s3: (r = home) =>
      get(
        "s3",
        r,
        () => new S3Client({ ...base(r), followRegionRedirects: true, forcePathStyle: endpointOverridden }),
      ),
    // S3 Control puts the account id in the host name (<account>.s3-control…); an overridden
    // endpoint (a compatible store, the test server) is used as given instead.
    s3control: () =>
      get("s3control", home, () => {
        const url = opts.endpoint ?? opts.env?.AWS_ENDPOINT_URL_S3_CONTROL ?? opts.env?.AWS_ENDPOINT_URL;
        return new S3ControlClient({
          ...base(home),
          ...(url ? { endpointProvider: () => ({ url: new URL(url) }) } : {}),
        });
      }),
    destroy() {
      for (const c of cache.values()) c.destroy();
      cache.clear();
    },
  };
}
