#!/usr/bin/env python3
"""Writes a services file and an inventory for the suggestion benchmark:
gen_suggest.py N_REPOS N_SERVICES SERVICES_OUT INVENTORY_OUT. Repository names mix what
real registries hold: team/service, service-worker, near spellings, service tags, tagged
siblings, and names that match nothing."""
import json
import random
import sys

n_repos, n_services = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(13)
words = ["orders", "payments", "billing", "ledger", "search", "catalog", "checkout", "cart",
         "identity", "profile", "notify", "email", "sms", "push", "shipping", "labels", "rates",
         "inventory", "stock", "pricing", "promo", "coupon", "review", "rating", "media",
         "image", "video", "stream", "chat", "support", "ticket", "audit", "report", "export",
         "import", "sync", "fraud", "risk", "kyc", "loyalty", "points", "gift", "wallet",
         "refund", "tax", "invoice", "quote", "booking", "calendar", "geo"]
services = []
seen = set()
while len(services) < n_services:
    parts = rnd.sample(words, rnd.choice([1, 2, 2, 3]))
    ident = "-".join(parts)
    if ident in seen:
        continue
    seen.add(ident)
    services.append({"identifier": ident, "title": " ".join(p.title() for p in parts)})

def typo(s):
    i = rnd.randrange(1, len(s) - 1)
    return s[:i] + s[i + 1:]

out = []
for i in range(n_repos):
    svc = rnd.choice(services)["identifier"]
    team = f"team-{i % 60:02d}"
    kind = i % 8
    tags = [{"Key": "team", "Value": team}]
    if kind == 0:
        name = f"{svc}/api-{i}"
    elif kind == 1:
        name = f"{team}/{svc}"
    elif kind == 2:
        name = f"{svc}-worker-{i}"
    elif kind == 3:
        name = f"{team}/{typo(svc)}-{i}"
    elif kind == 4:
        name = f"{team}/job-{i}"
        tags.append({"Key": "service", "Value": svc})
    elif kind == 5:
        name = f"{team}/tool-{i}"
        tags.append({"Key": f"port-{svc}", "Value": "true"})
    elif kind == 6:
        name = f"{team}/misc-{i}"
    else:
        name = f"sandbox/experiment-{i}"
    region = ["eu-west-1", "us-east-1"][i % 2]
    out.append({
        "RepositoryName": name,
        "Arn": f"arn:aws:ecr:{region}:123456789012:repository/{name}",
        "RepositoryUri": f"123456789012.dkr.ecr.{region}.amazonaws.com/{name}",
        "ImageTagMutability": "MUTABLE",
        "ImageScanningConfiguration": {"ScanOnPush": False},
        "EncryptionConfiguration": {"EncryptionType": "AES256"},
        "Tags": tags,
    })
with open(sys.argv[3], "w") as f:
    json.dump(services, f)
with open(sys.argv[4], "w") as f:
    json.dump(out, f)
