"""`{% reader "name" %}…{% endreader %}`: a part of a page that is the reader's own.

Rendered in place, with the region's state for the request's reader pushed into the context
(kernel/memberpages.py); while a member's page is rendered as a skeleton, left as a slot that
each request fills.
"""

from django import template

from kernel import memberpages

register = template.Library()


class ReaderNode(template.Node):
    def __init__(self, name: str, nodelist):
        self.name = name
        self.nodelist = nodelist

    def render(self, context) -> str:
        region = memberpages.regions[self.name]
        facts = region.facts(context)
        collector = memberpages.collector_of(context)
        if collector is not None:
            state = region.every_member(facts) if region.every_member is not None else None
            if state is not None:
                with context.push(**state):
                    return self.nodelist.render(context)
            return collector.add(self, region, facts, context)
        if region.live or region.fill_only:
            return self.nodelist.render(context)
        state = region.state(context.get("request"), facts)
        with context.push(**state):
            return self.nodelist.render(context)


@register.tag("reader")
def reader(parser, token):
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][-1] != bits[1][0]:
        raise template.TemplateSyntaxError('{% reader "region-name" %}')
    nodelist = parser.parse(("endreader",))
    parser.delete_first_token()
    return ReaderNode(bits[1][1:-1], nodelist)
