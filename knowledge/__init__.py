"""Knowledge base: meeting places, buurten, activities and Kracht van de Samenleving.

The single source the assistant, the NLU lookup tables and the opbouwwerkers'
routing read from. Data files live in knowledge/data (human-editable YAML/CSV);
see docs/KNOWLEDGE.md.

    from knowledge import open_knowledge
    kb = open_knowledge(settings.database_url_resolved, settings.knowledge_dir,
                        include_demo=settings.demo_data)
    kb.find_places(buurt="Malberg", place_type="huiskamer")
"""
from knowledge.api import (  # noqa: F401
    BuurtInfo,
    BuurtMatch,
    Contact,
    KnowledgeBase,
    Occurrence,
    Place,
    PlaceResult,
    PlaceType,
    Plan,
    PostcodeMatch,
    SearchLocations,
    Subsidy,
    SubsidyStep,
    SubsidyTopic,
    clear_cache,
    extract_postcode,
    haversine_km,
    open_knowledge,
)
from knowledge.records import KnowledgeError  # noqa: F401
from knowledge.when import resolve_when  # noqa: F401
