# ruff: noqa: E501 - each message stays one literal, as the catalogue has it
"""The words of the topics the site is set up with (app/data/leeds-lcps.json), marked for translation.

Topics live in the database, where staff may rename them; `Topic.shown_label` and `Topic.shown_summary` look
each one up in the catalogue, so a topic as it was set up reads in the reader's language, and one renamed
by staff reads as they wrote it. tests/test_i18n.py checks this list against the reference data.
"""

from flask_babel import lazy_gettext as _l

TOPIC_WORDS = (
    _l("Housing"),
    _l("Quality, cost and supply of homes, including pressure from new developments."),
    _l("Work, skills and learning"),
    _l("Jobs, training and adult learning as routes to better health."),
    _l("Money and cost of living"),
    _l("Affordability of food, leisure and transport, and the wider cost-of-living squeeze."),
    _l("Loneliness and social connection"),
    _l("Chances to meet neighbours and friends in person, often through third-sector groups and community venues."),
    _l("Transport and getting around"),
    _l("Bus links between neighbourhoods, reliability, cost, congestion and road safety."),
    _l("Green spaces, public spaces and environment"),
    _l("Parks, welcoming public buildings, and air quality."),
    _l("Children, young people and families"),
    _l(
        "Safe places and activities for children, young people and families. This was the most frequent theme in the 2021 Big Leeds Chat."
    ),
    _l("Community safety"),
    _l("Antisocial behaviour, street drinking and feeling safe outdoors."),
    _l("Mental health and wellbeing"),
    _l("Support for mental health, especially after pandemic isolation, including for children and men."),
    _l("Access to GPs, dentists and services"),
    _l("Getting appointments and the balance between phone or online and face-to-face care."),
    _l("Healthy living and physical activity"),
    _l("Affordable exercise and leisure, healthy food, and cutting smoking and alcohol harm."),
    _l("Ageing well (frailty, falls, dementia, carers)"),
    _l(
        "The most common current LCP priority: proactive support for frailty, falls, dementia, unpaid carers and advance care planning."
    ),
    _l("Long-term conditions"),
    _l("Diabetes, heart disease, COPD and childhood asthma, which are concentrated in more deprived areas."),
    _l("Digital inclusion"),
    _l("Helping people get online and use digital services, without making online the only option."),
    _l("Education"),
    _l("Named in the refreshed Health and Wellbeing Strategy as one of the root causes of poor health."),
)
