"""Text of the demo organisation: sites, customers, people, jobs, checklists."""

from __future__ import annotations

from typing import Any

from app.domain import ChecklistKind, Kind

C = ChecklistKind

# Skills are tags the assignment suggestion matches against what an order needs.
TECHNICIANS: list[tuple[str, str, tuple[str, ...]]] = [
    ("tech1", "Alex Novak", ("hvac", "electrical", "gas-safe")),
    ("tech2", "Bea Lindqvist", ("plumbing", "hvac", "gas-safe")),
    ("tech3", "Chidi Okafor", ("electrical", "fire_safety")),
    ("tech4", "Dario Rossi", ("elevators", "electrical")),
    ("tech5", "Eun-ji Park", ("plumbing", "fire_safety", "hvac", "gas-safe")),
]

SITES: list[dict[str, Any]] = [
    {
        "name": "Harbour View Offices",
        "address": "12 Quay Street, Harbourside",
        "lat": 51.4545,
        "lon": -2.5970,
    },
    {
        "name": "Northgate Shopping Centre",
        "address": "1 Northgate, City North",
        "lat": 51.4700,
        "lon": -2.5900,
    },
    {"name": "St. Anne's Clinic", "address": "44 Church Lane, Old Town", "lat": 51.4510, "lon": -2.5800},
    {"name": "Riverside Primary School", "address": "3 Mill Road, Riverside", "lat": 51.4420, "lon": -2.6050},
    {
        "name": "Parkway Data Centre",
        "address": "Unit 7, Parkway Business Park",
        "lat": 51.5020,
        "lon": -2.5480,
    },
    {"name": "Greenfield Apartments", "address": "90 Elm Avenue, Greenfield", "lat": 51.4630, "lon": -2.5610},
    {"name": "City Library", "address": "2 College Green", "lat": 51.4530, "lon": -2.6010},
    {"name": "Westside Logistics Hub", "address": "Dock Road 15, Avonmouth", "lat": 51.5030, "lon": -2.6900},
    {"name": "Hotel Meridian", "address": "5 Victoria Square", "lat": 51.4560, "lon": -2.6110},
    {"name": "Brookfield Sports Hall", "address": "Brook Lane 8, Brookfield", "lat": 51.4800, "lon": -2.5300},
    {"name": "Town Hall", "address": "Corn Street 1, Old Town", "lat": 51.4550, "lon": -2.5930},
    {"name": "Lakeside Care Home", "address": "27 Lakeside Drive", "lat": 51.4300, "lon": -2.5700},
]

CUSTOMERS: list[dict[str, str]] = [
    {"name": "Harbour Properties Ltd", "contact": "Maya Chen, +44 117 496 0101"},
    {"name": "Northgate Retail Group", "contact": "Tom Becker, facilities@northgate.example"},
    {"name": "Avon Health Trust", "contact": "Dr. Priya Shah, +44 117 496 0144"},
    {"name": "City Council Estates", "contact": "estates@council.example"},
    {"name": "Parkway Hosting", "contact": "NOC desk, +44 117 496 0199"},
    {"name": "Greenfield Housing Co-op", "contact": "Sam Ortiz, +44 117 496 0120"},
    {"name": "Meridian Hotels", "contact": "Lena Fischer, ops@meridian.example"},
    {"name": "Westside Logistics", "contact": "Shift lead, +44 117 496 0177"},
]

TITLES: dict[Kind, list[tuple[str, str]]] = {
    Kind.REPAIR: [
        (
            "Air handling unit tripping",
            "AHU-2 trips its breaker roughly twice a day; tenants report warm offices.",
        ),
        ("Leaking pipe in plant room", "Water on the plant room floor below the hot water return line."),
        (
            "Lift stuck between floors",
            "Passenger lift stops between floors 2 and 3; reset works for a few hours.",
        ),
        ("Emergency lighting fault", "Fault indicator on the emergency lighting panel, east stairwell."),
        ("Boiler low pressure", "Boiler 1 locks out on low pressure every morning."),
        ("Automatic door not closing", "Main entrance sliding door stays open; draught and security issue."),
    ],
    Kind.MAINTENANCE: [
        ("Quarterly HVAC service", "Filters, belts, drain pans and controls of all rooftop units."),
        ("Annual boiler service", "Combustion analysis, safety devices, flue inspection."),
        ("Generator load test", "Monthly load test of the standby generator, 1 hour at 50 % load."),
        ("Water tank cleaning", "Drain, clean and disinfect the cold water storage tank."),
        ("Fire pump weekly run", "Churn test of the sprinkler fire pump."),
    ],
    Kind.INSPECTION: [
        ("Fire alarm inspection", "Six-monthly test of detectors, call points and sounders."),
        ("Legionella risk check", "Temperature checks at sentinel outlets, shower head descaling."),
        ("Electrical safety inspection", "Periodic inspection of distribution boards and RCDs."),
        ("Roof and gutter inspection", "Check roof membrane, gutters and downpipes after storms."),
        ("Gas safety check", "Landlord gas safety check of appliances and flues."),
    ],
    Kind.INSTALLATION: [
        ("Install EV charging point", "Two 7 kW wall boxes in the staff car park, new sub-main."),
        ("Install split AC unit", "New split unit for the server room, 5 kW cooling."),
        ("Fit new water heater", "Replace the failed 80 l water heater in the staff kitchen."),
        ("Install access control reader", "Card reader and door strike on the back office door."),
        ("Mount smart thermostats", "Replace four old thermostats with networked ones."),
    ],
}

# The skills each job needs (`required_skills`), by its title: tags the technicians above
# have or lack, so the suggestion can say "has gas-safe" of some and "lacks" of others.
# A job left out needs no particular skill.
NEEDS: dict[str, tuple[str, ...]] = {
    "Air handling unit tripping": ("hvac", "electrical"),
    "Leaking pipe in plant room": ("plumbing",),
    "Lift stuck between floors": ("elevators",),
    "Emergency lighting fault": ("electrical",),
    "Boiler low pressure": ("gas-safe",),
    "Quarterly HVAC service": ("hvac",),
    "Annual boiler service": ("gas-safe",),
    "Generator load test": ("electrical",),
    "Water tank cleaning": ("plumbing",),
    "Fire pump weekly run": ("fire_safety", "plumbing"),
    "Fire alarm inspection": ("fire_safety",),
    "Legionella risk check": ("plumbing",),
    "Electrical safety inspection": ("electrical",),
    "Gas safety check": ("gas-safe",),
    "Install EV charging point": ("electrical",),
    "Install split AC unit": ("hvac", "electrical"),
    "Fit new water heater": ("plumbing", "gas-safe"),
    "Install access control reader": ("electrical",),
    "Mount smart thermostats": ("hvac",),
    # Intake: a hotel's hot water, a dead intercom, a data hall's air, a fire panel.
    "No hot water in guest rooms 210-218": ("plumbing", "gas-safe"),
    "Intercom at block B entrance dead": ("electrical",),
    "AHU-3: supply air 31 °C, setpoint 18 °C": ("hvac",),
    "FP-EAST-1: detector loop 2 fault": ("fire_safety", "electrical"),
}

# (label, kind, required, unit, min, max)
Item = tuple[str, ChecklistKind, bool, str | None, float | None, float | None]

_COMMON: list[Item] = [
    ("Site made safe and area cordoned", C.CHECK, True, None, None, None),
    ("Photos of the work area taken", C.CHECK, False, None, None, None),
    ("Customer briefed on the outcome", C.CHECK, False, None, None, None),
    ("Remarks for the customer", C.TEXT, False, None, None, None),
]

CHECKLISTS: dict[Kind, list[Item]] = {
    Kind.REPAIR: [
        *_COMMON,
        ("Fault found and cause noted", C.TEXT, True, None, None, None),
        ("Function test after repair", C.PASS_FAIL, True, None, None, None),
        ("Supply voltage", C.NUMBER, False, "V", 207.0, 253.0),
    ],
    Kind.MAINTENANCE: [
        *_COMMON,
        ("Filters replaced", C.CHECK, True, None, None, None),
        ("System pressure", C.NUMBER, True, "bar", 1.0, 2.5),
        ("Flow temperature", C.NUMBER, False, "°C", 55.0, 80.0),
        ("Overall condition", C.PASS_FAIL, False, None, None, None),
    ],
    Kind.INSPECTION: [
        *_COMMON,
        ("Visual inspection", C.PASS_FAIL, True, None, None, None),
        ("Measured value within limits", C.PASS_FAIL, True, None, None, None),
        ("Insulation resistance", C.NUMBER, False, "MΩ", 1.0, 500.0),
        ("Defects found", C.TEXT, False, None, None, None),
    ],
    Kind.INSTALLATION: [
        *_COMMON,
        ("Installed per drawing", C.CHECK, True, None, None, None),
        ("Commissioning test", C.PASS_FAIL, True, None, None, None),
        ("Serial number of the new unit", C.TEXT, True, None, None, None),
        ("Earth loop impedance", C.NUMBER, False, "Ω", 0.0, 1.44),
    ],
}

# The parts catalogue: (sku, name, unit).
PARTS: list[tuple[str, str, str]] = [
    ("FLT-G4-592", "Air filter G4 592×592", "pcs"),
    ("BLT-SPA-1250", "V-belt SPA 1250", "pcs"),
    ("FUSE-10A", "Fuse 10 A, type gG", "pcs"),
    ("RCD-40-30", "RCD 40 A / 30 mA", "pcs"),
    ("SEAL-EPDM-22", "EPDM seal 22 mm", "pcs"),
    ("PIPE-CU-15", "Copper pipe 15 mm", "m"),
    ("REFR-R32", "Refrigerant R32", "kg"),
    ("CBL-NYM-3X15", "Cable NYM 3×1.5 mm²", "m"),
]

# Checklist templates, one per kind of work and a few more: (name, kind, archived, items).
TEMPLATES: list[tuple[str, Kind, bool, list[Item]]] = [
    (
        "Boiler service",
        Kind.MAINTENANCE,
        False,
        [
            ("Gas supply isolated", C.CHECK, True, None, None, None),
            ("Flue gas CO2", C.NUMBER, True, "%", 8.0, 10.5),
            ("CO/CO2 ratio", C.NUMBER, False, None, 0.0, 0.004),
            ("System pressure", C.NUMBER, True, "bar", 1.0, 2.5),
            ("Safety devices tested", C.PASS_FAIL, True, None, None, None),
            ("Remarks for the customer", C.TEXT, False, None, None, None),
        ],
    ),
    (
        "Electrical inspection",
        Kind.INSPECTION,
        False,
        [
            ("Distribution boards, visual", C.PASS_FAIL, True, None, None, None),
            ("Insulation resistance", C.NUMBER, True, "MΩ", 1.0, None),
            ("Earth loop impedance", C.NUMBER, False, "Ω", 0.0, 1.44),
            ("RCD trip time", C.NUMBER, True, "ms", 0.0, 300.0),
            ("Defects found", C.TEXT, False, None, None, None),
        ],
    ),
    (
        "Gas safety check",
        Kind.INSPECTION,
        False,
        [
            ("Appliances, visual", C.PASS_FAIL, True, None, None, None),
            ("Gas tightness test", C.PASS_FAIL, True, None, None, None),
            ("Flue flow test", C.PASS_FAIL, True, None, None, None),
            ("Ventilation adequate", C.CHECK, True, None, None, None),
        ],
    ),
    (
        "Repair visit",
        Kind.REPAIR,
        False,
        [
            ("Site made safe and area cordoned", C.CHECK, True, None, None, None),
            ("Fault found and cause noted", C.TEXT, True, None, None, None),
            ("Function test after repair", C.PASS_FAIL, True, None, None, None),
            ("Customer briefed on the outcome", C.CHECK, False, None, None, None),
        ],
    ),
    (
        "Installation handover",
        Kind.INSTALLATION,
        False,
        [
            ("Installed per drawing", C.CHECK, True, None, None, None),
            ("Commissioning test", C.PASS_FAIL, True, None, None, None),
            ("Serial number of the new unit", C.TEXT, True, None, None, None),
            ("Customer shown how to use it", C.CHECK, False, None, None, None),
        ],
    ),
    (
        "Boiler service (2024 form)",
        Kind.MAINTENANCE,
        True,
        [("Boiler serviced", C.CHECK, True, None, None, None)],
    ),
]

# Orders other systems sent, left unassigned for the desk's queue: customer requests
# (kind "request") and monitoring alerts (kind "alert", with the asset that raised it).
# (kind, external id, alert source, asset, priority, site index, customer index, title,
# description, minutes ago)
INTAKE: list[tuple[str, str, str | None, str | None, str, int, int | None, str, str, int]] = [
    ("request", "CRM-24117", None, None, "high", 8, 6, "No hot water in guest rooms 210-218",
     "Guests on the second floor report no hot water since 6 am.", 25),
    ("request", "CRM-24121", None, None, "normal", 5, 5, "Intercom at block B entrance dead",
     "Residents cannot buzz visitors in; handset shows no power.", 70),
    ("alert", "BMS-88812", "bms", "AHU-3", "urgent", 4, 4, "AHU-3: supply air 31 °C, setpoint 18 °C",
     "Supply air temperature 31 °C above setpoint for 15 minutes; data hall 2 warming.", 8),
    ("alert", "FP-5531", "fire-panel", "FP-EAST-1", "high", 2, 2, "FP-EAST-1: detector loop 2 fault",
     "Open circuit on detector loop 2, east wing.", 140),
]  # fmt: skip
