"""The shared vocabulary (docs/domain.md): codes in English, labels in Dutch."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class Vocabulary(StrEnum):
    """A code with a Dutch label; `label_nl` is what the console shows."""

    _labels_nl: ClassVar[dict[str, str]]

    @property
    def label_nl(self) -> str:
        """The Dutch label of this code."""
        return type(self)._labels_nl[str(self)]

    @classmethod
    def labels_nl(cls) -> dict[str, str]:
        """Every code of this vocabulary with its Dutch label."""
        return {str(member): member.label_nl for member in cls}


class Role(Vocabulary):
    """The office of the threatened official."""

    MAYOR = "mayor"
    ALDERMAN = "alderman"
    COUNCILLOR = "councillor"
    PROVINCIAL_COUNCILLOR = "provincial_councillor"
    PROVINCIAL_EXECUTIVE = "provincial_executive"
    KINGS_COMMISSIONER = "kings_commissioner"
    WATER_BOARD_MEMBER = "water_board_member"


Role._labels_nl = {
    "mayor": "burgemeester",
    "alderman": "wethouder",
    "councillor": "raadslid",
    "provincial_councillor": "Statenlid",
    "provincial_executive": "gedeputeerde",
    "kings_commissioner": "Commissaris van de Koning",
    "water_board_member": "waterschapsbestuurder",
}


class Pool(Vocabulary):
    """An adviser pool: the professional association that answers for a role."""

    NGB = "ngb"
    WETHOUDERSVERENIGING = "wethoudersvereniging"
    NVVR = "nvvr"
    STATENLIDNU = "statenlidnu"
    BZK = "bzk"


Pool._labels_nl = {
    "ngb": "NGB — Nederlands Genootschap van Burgemeesters",
    "wethoudersvereniging": "Wethoudersvereniging",
    "nvvr": "NVvR — Nederlandse Vereniging voor Raadsleden",
    "statenlidnu": "StatenlidNu",
    "bzk": "BZK — Netwerk Weerbaar Bestuur",
}

FALLBACK_POOL = Pool.BZK
"""The pool that takes every role when the role's own pool has nobody available."""

DEFAULT_POOL_BY_ROLE: dict[Role, Pool] = {
    Role.MAYOR: Pool.NGB,
    Role.ALDERMAN: Pool.WETHOUDERSVERENIGING,
    Role.COUNCILLOR: Pool.NVVR,
    Role.PROVINCIAL_COUNCILLOR: Pool.STATENLIDNU,
    Role.PROVINCIAL_EXECUTIVE: Pool.BZK,
    Role.KINGS_COMMISSIONER: Pool.BZK,
    Role.WATER_BOARD_MEMBER: Pool.BZK,
}
"""The default routing table of docs/domain.md; the roster file may override it."""


class IncidentType(Vocabulary):
    """What was done to the official (one or more per incident)."""

    VERBAL_AGGRESSION = "verbal_aggression"
    THREAT = "threat"
    INTIMIDATION = "intimidation"
    PHYSICAL_VIOLENCE = "physical_violence"
    PROPERTY_DAMAGE = "property_damage"
    ONLINE_HARASSMENT = "online_harassment"
    STALKING = "stalking"
    DEFAMATION = "defamation"
    DISCRIMINATION = "discrimination"
    UNDERMINING = "undermining"


IncidentType._labels_nl = {
    "verbal_aggression": "verbaal geweld",
    "threat": "bedreiging",
    "intimidation": "intimidatie",
    "physical_violence": "fysiek geweld",
    "property_damage": "vernieling",
    "online_harassment": "online intimidatie via sociale media",
    "stalking": "belaging",
    "defamation": "zwartmaken",
    "discrimination": "discriminatie",
    "undermining": "ondermijning",
}


class Channel(Vocabulary):
    """How or where the incident happened."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    MAIL_OR_EMAIL = "mail_or_email"
    SOCIAL_MEDIA = "social_media"
    AT_HOME = "at_home"
    PUBLIC_SPACE = "public_space"
    DURING_MEETING = "during_meeting"


Channel._labels_nl = {
    "in_person": "persoonlijk",
    "phone": "telefoon",
    "mail_or_email": "brief of e-mail",
    "social_media": "sociale media",
    "at_home": "thuis",
    "public_space": "openbare ruimte",
    "during_meeting": "tijdens een vergadering",
}


class Urgency(Vocabulary):
    """How fast an adviser must respond; acute means immediate danger."""

    ACUTE = "acute"
    HIGH = "high"
    NORMAL = "normal"


Urgency._labels_nl = {"acute": "acuut", "high": "hoog", "normal": "normaal"}


class SupportNeed(Vocabulary):
    """What the official needs from the support team (one or more)."""

    LISTENING = "listening"
    REPORTING_ADVICE = "reporting_advice"
    SECURITY = "security"
    LEGAL_AID = "legal_aid"
    AFTERCARE = "aftercare"
    COMMUNICATION = "communication"
    STOP_CONVERSATION = "stop_conversation"
    ONLINE_FIRST_AID = "online_first_aid"
    INTEGRITY_OR_UNDERMINING_EXPERT = "integrity_or_undermining_expert"


SupportNeed._labels_nl = {
    "listening": "luisterend oor",
    "reporting_advice": "advies over melding of aangifte",
    "security": "beveiliging",
    "legal_aid": "rechtshulp",
    "aftercare": "nazorg",
    "communication": "communicatie",
    "stop_conversation": "stopgesprek",
    "online_first_aid": "online eerste hulp",
    "integrity_or_undermining_expert": "expert integriteit of ondermijning",
}


class PoliceStatus(Vocabulary):
    """Whether the incident was reported to the police."""

    NONE = "none"
    MELDING = "melding"
    AANGIFTE = "aangifte"


PoliceStatus._labels_nl = {"none": "geen", "melding": "melding", "aangifte": "aangifte"}


class ReasonNotReported(Vocabulary):
    """Why no report was made to the police (the monitor asks exactly this)."""

    NOT_SERIOUS_ENOUGH = "not_serious_enough"
    PART_OF_THE_JOB = "part_of_the_job"
    NOTHING_WILL_BE_DONE = "nothing_will_be_done"
    SOLVED_ON_THE_SPOT = "solved_on_the_spot"
    OTHER = "other"


ReasonNotReported._labels_nl = {
    "not_serious_enough": "niet ernstig genoeg",
    "part_of_the_job": "hoort bij het werk",
    "nothing_will_be_done": "er wordt toch niets mee gedaan",
    "solved_on_the_spot": "ter plekke opgelost",
    "other": "anders",
}


class Source(Vocabulary):
    """How the incident reached the support team."""

    CRISIS_LINE = "crisis_line"
    MUNICIPAL_REGISTRATION = "municipal_registration"
    MEDIA_REPORT = "media_report"


Source._labels_nl = {
    "crisis_line": "crisislijn",
    "municipal_registration": "registratie door de organisatie",
    "media_report": "mediabericht",
}


class PerpetratorKind(Vocabulary):
    """Who the aggressor was."""

    INDIVIDUAL_CITIZEN = "individual_citizen"
    GROUP = "group"
    FELLOW_OFFICE_HOLDER = "fellow_office_holder"
    ON_BEHALF_OF_ORGANISATION = "on_behalf_of_organisation"
    UNKNOWN = "unknown"


PerpetratorKind._labels_nl = {
    "individual_citizen": "individuele burger",
    "group": "groep",
    "fellow_office_holder": "mede-ambtsdrager",
    "on_behalf_of_organisation": "namens een organisatie",
    "unknown": "onbekend",
}


class Status(Vocabulary):
    """The lifecycle state of an incident (docs/domain.md, "Lifecycle")."""

    REPORTED = "reported"
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


Status._labels_nl = {
    "reported": "gemeld",
    "assigned": "toegewezen",
    "acknowledged": "bevestigd",
    "in_progress": "in behandeling",
    "closed": "afgesloten",
}


class NotificationChannel(Vocabulary):
    """How an adviser is reached."""

    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"


NotificationChannel._labels_nl = {"email": "e-mail", "sms": "sms", "webhook": "webhook"}


ALL_VOCABULARIES: tuple[type[Vocabulary], ...] = (
    Role,
    Pool,
    IncidentType,
    Channel,
    Urgency,
    SupportNeed,
    PoliceStatus,
    ReasonNotReported,
    Source,
    PerpetratorKind,
    Status,
    NotificationChannel,
)


def _check_labels() -> None:
    for vocabulary in ALL_VOCABULARIES:
        codes = {str(member) for member in vocabulary}
        if codes != set(vocabulary._labels_nl):
            raise ValueError(f"{vocabulary.__name__}: every code needs exactly one Dutch label")


_check_labels()
