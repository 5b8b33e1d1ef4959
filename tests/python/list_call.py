"""A plain list call through the client openapi-python-client generated from
the served document: the page and its items come back as the generated
model classes, typed, not as dictionaries or text.

    python list_call.py BASE_URL TOKEN PROVINCE_ID
"""

import sys

from khuyenhoc_client import AuthenticatedClient
from khuyenhoc_client.api.associations import list_associations
from khuyenhoc_client.models import Association, Level, PageAssociation

base_url, token, province = sys.argv[1:4]
client = AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True)
page = list_associations.sync(client=client, parent_id=province, level=Level.DISTRICT, sort="code")
assert isinstance(page, PageAssociation), f"a page, not {type(page).__name__}"
assert all(isinstance(item, Association) for item in page.items), page.items
assert all(item.level is Level.DISTRICT for item in page.items)
print("\n".join(item.name for item in page.items))
