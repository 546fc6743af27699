"""What Slack incoming webhooks and Microsoft Teams message-card webhooks accept, as checks a local
receiver applies (each answers 400 to a body that breaks its service's rules, as the real ones do)."""

import json
import re

SLACK_BLOCKS = {"section", "context", "divider", "header", "actions", "image"}
TEXT_TYPES = {"mrkdwn", "plain_text"}
HEX = re.compile(r"^[0-9A-Fa-f]{6}$")


def _json(body: str) -> dict | None:
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _text_object(value, limit: int) -> bool:
    return (isinstance(value, dict) and value.get("type") in TEXT_TYPES and isinstance(value.get("text"), str)
            and 0 < len(value["text"]) <= limit)


def slack_problems(body: str) -> list[str]:
    """Slack's rules for an incoming-webhook message with Block Kit blocks."""
    message = _json(body)
    if message is None:
        return ["not a JSON object"]
    problems = []
    if not isinstance(message.get("text"), str) or not message["text"]:
        problems.append("text: a non-empty string is required (the notification and fallback)")
    blocks = message.get("blocks", [])
    if not isinstance(blocks, list) or len(blocks) > 50:
        return [*problems, "blocks: at most 50"]
    for i, block in enumerate(blocks):
        kind = block.get("type") if isinstance(block, dict) else None
        if kind not in SLACK_BLOCKS:
            problems.append(f"blocks[{i}].type: {kind!r} is not a block type")
        elif kind == "section" and not _text_object(block.get("text"), 3000):
            problems.append(f"blocks[{i}].text: a text object of at most 3000 characters")
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 0 < len(elements) <= 10 or \
                    not all(_text_object(e, 3000) for e in elements):
                problems.append(f"blocks[{i}].elements: 1 to 10 text objects")
    return problems


def teams_problems(body: str) -> list[str]:
    """The rules of a Microsoft Teams (Office 365 connector) message card."""
    card = _json(body)
    if card is None:
        return ["not a JSON object"]
    problems = []
    if card.get("@type") != "MessageCard":
        problems.append("@type: must be MessageCard")
    if card.get("@context") != "https://schema.org/extensions":
        problems.append("@context: must be https://schema.org/extensions")
    if not (isinstance(card.get("summary"), str) and card["summary"]) and not card.get("text"):
        problems.append("summary or text is required")
    if "themeColor" in card and not HEX.match(str(card["themeColor"])):
        problems.append("themeColor: six hex digits")
    for i, section in enumerate(card.get("sections", [])):
        for j, fact in enumerate(section.get("facts", [])):
            if not (isinstance(fact.get("name"), str) and isinstance(fact.get("value"), str)):
                problems.append(f"sections[{i}].facts[{j}]: name and value are strings")
    for i, action in enumerate(card.get("potentialAction", [])):
        targets = action.get("targets") if action.get("@type") == "OpenUri" else None
        if not targets or not all(isinstance(t.get("uri"), str) and t["uri"].startswith(("https://", "http://"))
                                  and t.get("os") in {"default", "iOS", "android", "windows"} for t in targets):
            problems.append(f"potentialAction[{i}]: an OpenUri action with targets of os and absolute uri")
    return problems
