"""Shared definitions for the ecr-port inventory benchmark.

The seeder and the output checker both derive repository names and tags from
the index i, so the checker can verify every repository/tag ecr-port returns.
"""

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
N_TEAMS = 40
SERVICE_KINDS = ["api", "web", "worker", "cron", "gateway", "auth", "search", "billing"]
ENVS = ["prod", "staging", "dev"]


def repo_name(i: int) -> str:
    """Namespaced repository name, e.g. 'team-07/app-00047'."""
    return f"team-{i % N_TEAMS:02d}/app-{i:05d}"


def repo_tags(i: int) -> list[dict]:
    """The 5 resource tags of repository i (port-<svc>, team, env, cost-center, owner)."""
    svc = SERVICE_KINDS[i % len(SERVICE_KINDS)]
    team = f"team-{i % N_TEAMS:02d}"
    return [
        {"Key": f"port-{svc}", "Value": f"app-{i:05d}"},
        {"Key": "team", "Value": team},
        {"Key": "env", "Value": ENVS[i % len(ENVS)]},
        {"Key": "cost-center", "Value": f"cc-{1000 + i % 97}"},
        {"Key": "owner", "Value": f"{team}-lead@example.com"},
    ]


def repo_settings(i: int) -> dict:
    """Varied create_repository settings (mutability, scan-on-push, encryption)."""
    kwargs = {
        "imageTagMutability": "IMMUTABLE" if i % 3 == 0 else "MUTABLE",
        "imageScanningConfiguration": {"scanOnPush": i % 2 == 0},
    }
    if i % 5 == 0:
        kwargs["encryptionConfiguration"] = {
            "encryptionType": "KMS",
            "kmsKey": f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/"
            f"00000000-0000-4000-8000-{i:012d}",
        }
    else:
        kwargs["encryptionConfiguration"] = {"encryptionType": "AES256"}
    return kwargs


def expected(n: int) -> dict[str, set[tuple[str, str]]]:
    """{repo name: {(tag key, tag value), ...}} for repositories 0..n-1."""
    return {repo_name(i): {(t["Key"], t["Value"]) for t in repo_tags(i)} for i in range(n)}
