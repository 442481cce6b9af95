"""Vocabulary of the demo store: an outdoor-gear shop, its suppliers, warehouses, carriers and team."""

from __future__ import annotations

STORE_NAME = "Ridgeline Supply Co."
STORE_DOMAIN = "ridgeline-supply.example"
STORE_TIMEZONE = "America/New_York"
STORE_COUNTRY = "US"  # its public holidays close the support desk
STORE_CURRENCY = "USD"

# product type -> (base names, variant axis values, median price in dollars)
PRODUCT_TYPES: dict[str, tuple[list[str], list[str], float]] = {
    "Backpacks": (
        ["Daypack 22L", "Daypack 28L", "Trek Pack 45L", "Hydration Pack", "Sling Bag"],
        ["Slate", "Moss", "Ember"],
        95.0,
    ),
    "Jackets": (
        ["Rain Shell", "Down Jacket", "Fleece Hoodie", "Softshell", "Insulated Vest"],
        ["S", "M", "L", "XL"],
        140.0,
    ),
    "Footwear": (
        ["Trail Runner", "Hiking Boot", "Camp Slide", "Approach Shoe"],
        ["8", "9", "10", "11"],
        125.0,
    ),
    "Camp Kitchen": (
        ["Titanium Pot", "Backpacking Stove", "Insulated Mug", "Spork Set", "Water Filter"],
        ["Standard"],
        38.0,
    ),
    "Sleeping": (
        ["Sleeping Bag 20F", "Sleeping Pad", "Camp Pillow", "Bivy Sack"],
        ["Regular", "Long"],
        110.0,
    ),
    "Accessories": (
        ["Trekking Poles", "Beanie", "Sun Hoody", "Gaiters", "Dry Bag 10L"],
        ["Standard", "Large"],
        32.0,
    ),
    "Lighting": (["Headlamp 400", "Camp Lantern", "Headlamp 900"], ["Standard"], 48.0),
    "Tents": (["2P Tent", "1P Tent", "4P Tent", "Tarp Shelter"], ["Standard"], 320.0),
}

PRODUCT_PREFIXES = [
    "Summit",
    "Ridge",
    "Trail",
    "Alpine",
    "Canyon",
    "Cascade",
    "Timber",
    "Granite",
    "Basecamp",
    "Northwind",
    "Switchback",
    "Meadow",
    "Boulder",
    "Glacier",
    "Redwood",
    "Sierra",
    "Juniper",
    "Tundra",
    "Harbor",
    "Ember",
]

# name, lead time (days), on-time rate, rush fee
SUPPLIERS = [
    ("Cascade Textiles Ltd.", 21, 0.93, 650.0),
    ("Pinecrest Footwear Co.", 35, 0.81, 900.0),
    ("Alloy Outdoor Manufacturing", 14, 0.96, 500.0),
    ("Bluewater Packworks", 28, 0.88, 750.0),
    ("Lumen Gear Supply", 10, 0.97, 350.0),
    ("Highland Down & Fill", 42, 0.74, 1200.0),
    ("Trailhead Import Partners", 18, 0.9, 450.0),
    ("Northfork Shelter Systems", 30, 0.85, 1100.0),
]

# name, kind, region, timezone, share of orders
LOCATIONS = [
    ("Reno DC", "warehouse", "US-West", "America/Los_Angeles", 0.42),
    ("Columbus DC", "warehouse", "US-East", "America/New_York", 0.38),
    ("Dallas 3PL", "3pl", "US-South", "America/Chicago", 0.20),
]

# carrier, share of shipments, median transit days, services
CARRIERS = [
    ("UPS", 0.38, 2.6, "Ground"),
    ("USPS", 0.30, 3.4, "Priority Mail"),
    ("FedEx", 0.22, 2.3, "Home Delivery"),
    ("DHL eCommerce", 0.10, 4.1, "Parcel Expedited"),
]
DELAYED_CARRIER = "FedEx"
CARRIER_HUBS = {
    "UPS": "Louisville, KY",
    "USPS": "Chicago, IL",
    "FedEx": "Memphis, TN",
    "DHL eCommerce": "Cincinnati, OH",
}

FIRST_NAMES = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Elijah",
    "Sophia",
    "James",
    "Isabella",
    "Lucas",
    "Mia",
    "Mateo",
    "Amelia",
    "Benjamin",
    "Harper",
    "Levi",
    "Evelyn",
    "Henry",
    "Abigail",
    "Sebastian",
    "Emily",
    "Jack",
    "Ella",
    "Owen",
    "Aria",
    "Samuel",
    "Chloe",
    "Daniel",
    "Priya",
    "Wei",
    "Fatima",
    "Diego",
    "Aisha",
    "Kenji",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Nguyen",
    "Patel",
]

# support operators: name, first-response median (min), quality, CSAT mean, escalation rate, share of tickets
OperatorProfile = tuple[str, float, float, float, float, float]
SUPPORT_OPERATORS: list[OperatorProfile] = [
    ("Maya Chen", 1.6, 0.996, 4.92, 0.04, 0.16),
    ("Jordan Alvarez", 2.2, 0.991, 4.86, 0.05, 0.15),
    ("Sam Okafor", 2.7, 0.988, 4.78, 0.07, 0.14),
    ("Riley Novak", 3.2, 0.975, 4.62, 0.08, 0.13),
    ("Alex Kim", 4.1, 0.962, 4.45, 0.10, 0.12),
    ("Casey Brennan", 5.6, 0.935, 4.15, 0.13, 0.10),
    ("Taylor Reyes", 7.8, 0.905, 3.85, 0.17, 0.08),
    ("Morgan Diaz", 2.0, 0.993, 4.83, 0.05, 0.12),
]
# Who a smaller support team keeps, first to last: the fastest and the slowest first, so even a two-person
# team shows the Team tile's recognition and coaching.
STAFFING_ORDER = [0, 6, 3, 1, 5, 2, 4, 7]


def support_team(size: int) -> list[OperatorProfile]:
    """Return the support operators of a team of `size` (all of them, in list order, from 8 up)."""
    if size >= len(SUPPORT_OPERATORS):
        return list(SUPPORT_OPERATORS)
    keep = sorted(STAFFING_ORDER[:size])
    return [SUPPORT_OPERATORS[i] for i in keep]


SALES_REPS = [("Priya Raman", 1.3), ("Devon Walsh", 1.0), ("Lena Fischer", 0.55)]
MANAGER = "Dana Whitfield"

# ticket category -> (share, subjects, escalation multiplier)
TICKET_CATEGORIES: dict[str, tuple[float, list[str], float]] = {
    "wismo": (
        0.22,
        ["Where is my order {n}?", "Tracking not updating for {n}", "Order {n} hasn't arrived"],
        1.3,
    ),
    "return_request": (0.17, ["Return for order {n}", "How do I send back {n}?"], 0.6),
    "damaged": (0.09, ["Item arrived damaged ({n})", "Broken zipper on order {n}"], 2.2),
    "wrong_item": (0.07, ["Wrong item in order {n}", "Received the wrong size ({n})"], 1.8),
    "product_question": (0.16, ["Question about sizing", "Is the tent waterproof?", "Fit question"], 0.3),
    "billing": (0.08, ["Charged twice for {n}", "Discount code not applied on {n}"], 2.0),
    "cancel_request": (0.07, ["Please cancel order {n}", "Cancel {n} before it ships"], 0.8),
    "site_error": (0.04, ["Checkout error", "Can't log in to my account"], 1.5),
    "other": (0.10, ["General question", "Wholesale inquiry", "Feedback"], 0.5),
}

REFUND_REASONS = [
    "damaged",
    "wrong_item",
    "not_as_described",
    "size_exchange",
    "late_delivery",
    "changed_mind",
]
CANCEL_REASONS = ["customer", "fraud", "inventory", "declined"]
CHANNELS = [("web", 0.82), ("marketplace", 0.09), ("pos", 0.05), ("phone", 0.04)]
TICKET_CHANNELS = [("email", 0.5), ("chat", 0.3), ("phone", 0.1), ("social", 0.05), ("web", 0.05)]

BLOG_PAGES = [
    "/blogs/journal/how-to-choose-a-hiking-daypack",
    "/blogs/journal/layering-guide-for-winter-hikes",
    "/blogs/journal/best-backpacking-stoves",
    "/blogs/journal/first-overnight-checklist",
    "/blogs/journal/trail-runner-vs-hiking-boot",
]
# The page whose traffic collapses this week (a ranking loss), for the SEO tile to find.
DROPPING_PAGE = "/blogs/journal/how-to-choose-a-hiking-daypack"
