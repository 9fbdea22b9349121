#!/usr/bin/env python3
"""`moto_server` with two per-request hot spots cached; same arguments.

Stock moto 5 calls moto.backends.list_of_moto_modules() (a listdir plus ~90
stat() calls) twice for every request to route it, which is ~45% of moto's
CPU time per ListTagsForResource, and lists a response class's methods with
inspect.getmembers() on every request (~10% more).  moto_server is single-process and
GIL-bound (~350 req/s on 2 cores), so for a concurrent client moto itself
becomes the bottleneck, which real AWS is not.  Caching both (neither
changes while the server runs) changes nothing else about moto's behaviour.

It also answers the Resource Groups Tagging API for ECR, which moto does not:
GetResources with ResourceTypeFilters ecr:repository yields moto's own ECR
repositories and tags (tagged ones only, as AWS does), ResourcesPerPage at a
time (moto would also cut pages at 100 tags, which AWS does not when only
ResourcesPerPage is given).  The scripted endpoint of the tagging-API run.

    python3 bench/moto_server_fast.py -H 127.0.0.1 -p 5000
"""

import functools

import moto.backends as _backends
import moto.core.responses as _responses

_MODULES = tuple(_backends.list_of_moto_modules())
_backends.list_of_moto_modules = lambda: iter(_MODULES)

# Called as method_names_from_class(self.__class__): cache per class.
_responses.method_names_from_class = functools.lru_cache(maxsize=None)(
    _responses.method_names_from_class
)

import moto.resourcegroupstaggingapi.models as _tagging  # noqa: E402
from moto.ecr.models import ecr_backends  # noqa: E402

_generator = _tagging.ResourceGroupsTaggingAPIBackend._get_resources_generator


def _with_ecr(self, tag_filters=None, resource_type_filters=None):
    types = resource_type_filters or []
    if "ecr" in types or "ecr:repository" in types:
        ecr = ecr_backends[self.account_id][self.region_name]
        for repo in list(ecr.repositories.values()):
            tags = ecr.tagger.list_tags_for_resource(repo.arn)["tags"]
            if tags:
                yield {"ResourceARN": repo.arn, "Tags": tags}
        return
    yield from _generator(self, tag_filters, resource_type_filters)


_tagging.ResourceGroupsTaggingAPIBackend._get_resources_generator = _with_ecr
_get_resources = _tagging.ResourceGroupsTaggingAPIBackend.get_resources


def _by_resources(self, pagination_token=None, resources_per_page=50, tags_per_page=100,
                  tag_filters=None, resource_type_filters=None):
    return _get_resources(self, pagination_token, resources_per_page, 10**9,
                          tag_filters, resource_type_filters)


_tagging.ResourceGroupsTaggingAPIBackend.get_resources = _by_resources

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    main()
