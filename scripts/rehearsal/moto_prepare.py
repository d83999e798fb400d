"""Before the apply: what moto needs that AWS does itself (the deploy rehearsal's workarounds).

moto lists a replication group's member clusters but never creates them, so the provider's
read of <group>-001 answers 404: they are created first, with the group's engine version.
Usage: moto_prepare.py ENDPOINT STACK_JSON
"""
import json
import sys

import boto3

url, stack = sys.argv[1], sys.argv[2]
resources = json.load(open(stack))["resource"]
ec = boto3.client("elasticache", endpoint_url=url, region_name="eu-west-1",
                  aws_access_key_id="testing", aws_secret_access_key="testing")
for rg in resources.get("aws_elasticache_replication_group", {}).values():
    gid = rg["replication_group_id"]
    if rg.get("num_node_groups"):
        per = int(rg.get("replicas_per_node_group", 0)) + 1
        ids = [f"{gid}-{g:04d}-{n:03d}" for g in range(1, int(rg["num_node_groups"]) + 1)
               for n in range(1, per + 1)]
    else:
        ids = [f"{gid}-{n:03d}" for n in range(1, int(rg.get("num_cache_clusters", 1)) + 1)]
    for cid in ids:
        ec.create_cache_cluster(CacheClusterId=cid, Engine="redis",
                                EngineVersion=rg["engine_version"],
                                CacheNodeType=rg["node_type"], NumCacheNodes=1)
    print(f"  workaround: member clusters of {gid} made first ({len(ids)}): moto never makes them")
