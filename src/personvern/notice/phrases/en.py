"""English phrases of the privacy notice, the diff and the record of processing.

Every language module defines the same names with the same keys (a test checks it). Values
are ``str.format`` templates; placeholders are named in braces.
"""

from __future__ import annotations

CODE = "en"
CONJUNCTION = "and"
QUOTES = ("“", "”")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
DATE = "{day} {month} {year}"

# (singular, plural) of the units of a Duration.
UNITS = {
    "years": ("year", "years"),
    "months": ("month", "months"),
    "weeks": ("week", "weeks"),
    "days": ("day", "days"),
    "hours": ("hour", "hours"),
    "minutes": ("minute", "minutes"),
    "seconds": ("second", "seconds"),
}

# Countries whose English name takes "the".
WITH_ARTICLE = frozenset({"US", "GB", "NL", "EU", "EEA", "AE", "CZ", "PH"})

PHRASES: dict[str, str] = {
    # --- frame -------------------------------------------------------------------------
    "title": "Privacy notice – {org}",
    "updated": "Last updated {date} · version {version}",
    "intro": (
        "This notice explains how {org} processes your personal data when you visit our "
        "website and shop with us, and which rights you have."
    ),
    "toc": "Contents",
    # --- summary (Art. 12(1): concise, transparent, intelligible) ------------------------
    "summary.heading": "In short",
    "summary.controller": "{org} is responsible for your personal data (the controller).",
    "summary.purposes": "We use your data for {uses}.",
    "summary.bases": "We rely on {bases}.",
    "summary.sharing": (
        "We share data with {count} service providers and partners, among them {names}."
    ),
    "summary.sharing_none": "We do not share your data with others.",
    "summary.transfers": (
        "Some data goes to countries outside the EU/EEA ({countries}), with the safeguards "
        "described below."
    ),
    "summary.transfers_none": "We do not transfer your data out of the EU/EEA.",
    "summary.transfers_unspecified": (
        "Some data may go to countries outside the EU/EEA, with the safeguards described "
        "below."
    ),
    "summary.retention": "We keep data only as long as each purpose needs it.",
    "summary.rights": (
        "You can see, correct, delete or take your data with you, object, and withdraw "
        "consent at any time. {how}"
    ),
    "summary.complaint": "You can complain to {authority}.",
    "summary.complaint_any": "You can complain to a data protection supervisory authority.",
    "summary.cookies": "We use {count} cookies and similar technologies, listed below.",
    "summary.cookies_none": "We list no cookies for our website.",
    # --- data uses, for the summary (fideslang roots) ------------------------------------
    "use.essential": "running the shop, orders and delivery",
    "use.analytics": "statistics and analysis",
    "use.marketing": "marketing",
    "use.personalize": "personalised content and recommendations",
    "use.functional": "extra features on our website",
    "use.third_party_sharing": "disclosure to others where we are obliged or entitled to",
    "use.sales": "sales",
    "use.finance": "accounting and payments",
    "use.collect": "collecting data",
    "use.employment": "personnel administration",
    "use.train_ai_system": "training AI systems",
    # --- controller (Art. 13(1)(a)) ------------------------------------------------------
    "controller.heading": "Who is responsible",
    "controller.text": "{org} is the controller for the processing described in this notice.",
    "controller.representative": "Our representative in the EU/EEA is {name} ({contact}).",
    "controller.joint": "We are joint controllers with {name} for {purposes}.",
    "label.org_number": "Organisation number",
    "label.address": "Address",
    "label.email": "E-mail",
    "label.phone": "Phone",
    "label.website": "Website",
    "label.portal": "Privacy portal",
    # --- DPO (Art. 13(1)(b)) -----------------------------------------------------------
    "dpo.heading": "Data protection officer",
    "dpo.text": "You can contact our data protection officer, {name}, at {contact}.",
    "dpo.text_unnamed": "You can contact our data protection officer at {contact}.",
    "dpo.none": (
        "We have not appointed a data protection officer. You can send questions about "
        "privacy to {contact}."
    ),
    "dpo.none_no_contact": (
        "We have not appointed a data protection officer. Contact us with questions about "
        "privacy."
    ),
    # --- purposes (Art. 13(1)(c), (d), (e)) --------------------------------------------
    "purposes.heading": "What we use your data for",
    "purposes.intro": (
        "For each purpose we tell you which data we use, the legal basis, how long we keep "
        "the data and who receives it."
    ),
    "label.categories": "Personal data",
    "label.legal_basis": "Legal basis",
    "label.retention": "How long we keep it",
    "label.recipients": "Shared with",
    "label.sources": "Where the data comes from",
    "label.withdraw": "Withdrawing consent",
    "label.purpose": "Purpose",
    "label.subjects": "Whose data",
    "value.not_stated": "not stated",
    "value.none": "none",
    # --- legal bases (Art. 6(1)) ---------------------------------------------------------
    "basis.consent": "your consent (Article 6(1)(a) GDPR)",
    "basis.contract": "necessary to perform our contract with you (Article 6(1)(b) GDPR)",
    "basis.legal_obligation": (
        "necessary to comply with a legal obligation (Article 6(1)(c) GDPR)"
    ),
    "basis.legal_obligation_law": (
        "necessary to comply with our legal obligation under {law} (Article 6(1)(c) GDPR)"
    ),
    "basis.vital_interests": (
        "necessary to protect someone's vital interests (Article 6(1)(d) GDPR)"
    ),
    "basis.public_task": (
        "necessary to perform a task in the public interest (Article 6(1)(e) GDPR)"
    ),
    "basis.legitimate_interests": "our legitimate interests (Article 6(1)(f) GDPR)",
    "basis.legitimate_interests_with": (
        "our legitimate interest (Article 6(1)(f) GDPR): {interest}"
    ),
    "basis.none": "not stated",
    "basis_short.consent": "consent",
    "basis_short.contract": "contract",
    "basis_short.legal_obligation": "legal obligation",
    "basis_short.vital_interests": "vital interests",
    "basis_short.public_task": "a task in the public interest",
    "basis_short.legitimate_interests": "legitimate interests",
    "basis_short.none": "no stated basis",
    # --- retention (Art. 13(2)(a)) ---------------------------------------------------
    "retention.heading": "How long we keep your data",
    "retention.intro": (
        "We keep personal data only as long as we need it for the purpose it was collected "
        "for. Then we delete or anonymise it."
    ),
    "retention.after": "{period} after {event}",
    "retention.until": "until {event}",
    "retention.end_of.fiscal_year": "{period} after the end of the financial year",
    "retention.end_of.calendar_year": "{period} after the end of the calendar year",
    "retention.holds": "Some data we must keep longer because the law requires it:",
    "event.collected": "they were stored",
    "event.last_activity": "you were last active",
    "event.account_closed": "your account is closed",
    "event.contract_end": "the contract ends",
    "event.consent_withdrawn": "you withdraw your consent",
    "event.subscription_end": "the subscription ends",
    "event.request_completed": "your request has been handled",
    "event.column": "they were recorded",
    # --- sources (Art. 14(1)(d), 14(2)(f)) ------------------------------------------------
    "sources.heading": "Where we get your data from",
    "sources.subject": (
        "Most of the data we get from you, when you shop with us, create an account or "
        "contact us."
    ),
    "sources.observed": (
        "Some data is collected automatically when you use our website, for example through "
        "cookies and server logs. This applies to {purposes}."
    ),
    "sources.generated": (
        "Some data we create ourselves from how you use our services. This applies to "
        "{purposes}."
    ),
    "sources.public": (
        "Some data comes from publicly available sources. This applies to {purposes}."
    ),
    "sources.third_party": (
        "We receive data about you from {source}: {categories}. It is used for {purposes}."
    ),
    "source.subject": "from you",
    "source.observed": "collected automatically when you use our website",
    "source.generated": "created by us from your use of our services",
    "source.public": "publicly available sources",
    "source.third_party": "from {source}",
    "source.third_party_unnamed": "from other companies",
    # --- recipients (Art. 13(1)(e)) ------------------------------------------------------
    "recipients.heading": "Who we share your data with",
    "recipients.intro": (
        "We use service providers that process data on our behalf (processors), and we share "
        "some data with companies that decide for themselves how they use it (independent "
        "controllers)."
    ),
    "recipients.none": "We do not share your personal data with others.",
    "label.recipient": "Recipient",
    "label.role": "Role",
    "label.country": "Country",
    "label.purposes": "Purposes",
    "role.processor": "processor",
    "role.sub_processor": "sub-processor",
    "role.joint_controller": "joint controller",
    "role.independent_controller": "independent controller",
    "role.public_authority": "public authority",
    "role_a.processor": "a processor",
    "role_a.sub_processor": "a sub-processor",
    "role_a.joint_controller": "a joint controller",
    "role_a.independent_controller": "an independent controller",
    "role_a.public_authority": "a public authority",
    "country.outside_eea": "countries outside the EU/EEA",
    # --- transfers (Art. 13(1)(f), Chapter V) --------------------------------------------
    "transfers.heading": "Transfers outside the EU/EEA",
    "transfers.intro": (
        "Some recipients are outside the EU/EEA, or may transfer data there. Each transfer "
        "rests on one of the safeguards in Chapter V of the GDPR:"
    ),
    "transfers.none": "We do not transfer your personal data to countries outside the EU/EEA.",
    "label.safeguard": "Safeguard",
    "safeguard.adequacy": "an adequacy decision of the European Commission (Article 45 GDPR)",
    "safeguard.dpf": (
        "the EU-US Data Privacy Framework (adequacy decision of 10 July 2023, Article 45 GDPR)"
    ),
    "safeguard.scc": (
        "the European Commission's standard contractual clauses (Article 46(2)(c) GDPR)"
    ),
    "safeguard.bcr": "binding corporate rules (Article 47 GDPR)",
    "safeguard.derogation": "an exception in Article 49(1)({letter}) GDPR",
    "safeguard.none": "no safeguard stated",
    "safeguard_short.adequacy": "an adequacy decision",
    "safeguard_short.dpf": "the EU-US Data Privacy Framework",
    "safeguard_short.scc": "standard contractual clauses",
    "safeguard_short.bcr": "binding corporate rules",
    "safeguard_short.derogation": "an exception in Article 49(1)({letter})",
    "safeguard_short.none": "no safeguard",
    # --- automated decisions and profiling (Art. 13(2)(f), 22) ---------------------------
    "automated.heading": "Automated decisions and profiling",
    "automated.none": (
        "We do not make decisions about you based solely on automated processing, and we do "
        "not use profiling."
    ),
    "automated.decision": (
        "This is an automated decision that can significantly affect you (Article 22 GDPR)."
    ),
    "automated.profiling_only": (
        "This is profiling. It does not lead to decisions with legal or similarly significant "
        "effects for you."
    ),
    "automated.human_review": (
        "You can ask for a person to review the decision, give your point of view and contest "
        "it. {how}"
    ),
    "automated.object": "You can object to this profiling at any time (Article 21 GDPR).",
    "automated.withdraw": "You can withdraw your consent to this profiling at any time.",
    "label.logic": "How it works",
    "label.significance": "Significance and consequences",
    "label.human_review": "Human review",
    # --- requirement (Art. 13(2)(e)) ---------------------------------------------------
    "requirement.heading": "Do you have to give us your data?",
    "requirement.intro": (
        "You decide whether to give us personal data. Some data we need to enter into or "
        "perform a contract with you, or because the law requires it:"
    ),
    "requirement.general": (
        "Data that is collected automatically or created by us is not something you give us; "
        "for cookies you decide in the cookie settings."
    ),
    "label.required": "Do you have to give it?",
    "label.consequences": "If you do not",
    "requirement.statutory": "required by law",
    "requirement.contractual": "a requirement of the contract",
    "requirement.contract_prerequisite": "needed to enter into the contract",
    "requirement.voluntary": "voluntary",
    "consequence.statutory": "We cannot do what you ask of us, because the law requires the data.",
    "consequence.contractual": "We cannot enter into or carry out the contract with you.",
    "consequence.contract_prerequisite": "We cannot enter into the contract with you.",
    "consequence.voluntary": "No consequences for you.",
    # --- rights (Art. 13(2)(b), (c)) ---------------------------------------------------
    "rights.heading": "Your rights",
    "rights.intro": (
        "You have these rights under the GDPR. Using them is free of charge, and we answer "
        "within one month (Article 12(3) GDPR)."
    ),
    "rights.how_portal": "Use your rights in our privacy portal: {portal}",
    "rights.how_email": "To use your rights, e-mail us at {email}.",
    "rights.how_none": "Contact us to use your rights.",
    "rights.identity": (
        "We may ask you to confirm who you are, but never for more than we need "
        "(Article 12(6) GDPR)."
    ),
    "right.access": "Access (Article 15)",
    "right.access.text": (
        "You can ask whether we process data about you and get a copy of it, with "
        "information about how we use it."
    ),
    "right.rectification": "Rectification (Article 16)",
    "right.rectification.text": (
        "You can ask us to correct wrong data and complete incomplete data."
    ),
    "right.erasure": "Erasure (Article 17)",
    "right.erasure.text": (
        "You can ask us to delete your data. We keep only what the law obliges us to keep, or "
        "what we need to establish, exercise or defend legal claims, and only for as long as "
        "necessary."
    ),
    "right.erasure.laws": "This includes data we must keep under {laws}.",
    "right.restriction": "Restriction (Article 18)",
    "right.restriction.text": (
        "You can ask us to restrict processing, for example while we check whether your data "
        "is correct. We then only store the data."
    ),
    "right.objection": "Objection (Article 21)",
    "right.objection.text": (
        "Where we rely on our legitimate interests, you can object on grounds relating to "
        "your particular situation; we then stop unless we have compelling legitimate "
        "grounds. You can always object to direct marketing, including profiling for it, and "
        "we will then stop."
    ),
    "right.portability": "Data portability (Article 20)",
    "right.portability.text": (
        "Where we process data on the basis of your consent or a contract, you can get the "
        "data you have given us in a structured, commonly used and machine-readable format, "
        "or have it sent to another company."
    ),
    "right.withdraw": "Withdrawing consent (Article 7(3))",
    "right.withdraw.text": (
        "Where we rely on your consent, you can withdraw it at any time, as easily as you "
        "gave it. This does not affect processing before the withdrawal."
    ),
    "right.withdraw.how": "How to withdraw consent for each purpose:",
    # --- complaint (Art. 13(2)(d), 77) ---------------------------------------------------
    "complaint.heading": "Complaints to the supervisory authority",
    "complaint.text": (
        "If you think we process your personal data unlawfully, you can complain to "
        "{authority}. We would be glad if you contacted us first, so that we can try to put "
        "it right."
    ),
    "complaint.any": (
        "You can also complain to the supervisory authority in the EU/EEA country where you "
        "live or work (Article 77 GDPR)."
    ),
    "complaint.none": (
        "If you think we process your personal data unlawfully, you can complain to the "
        "supervisory authority in the EU/EEA country where you live or work, or where we are "
        "established (Article 77 GDPR)."
    ),
    # --- cookies (ePrivacy Directive Art. 5(3)) -------------------------------------------
    "cookies.heading": "Cookies and similar technologies",
    "cookies.intro": (
        "Below are the cookies and similar technologies we use, grouped by category. You can "
        "change your choice at any time in the cookie settings on our website."
    ),
    "cookies.none": "We do not list any cookies or similar technologies for our website.",
    "cookies.necessary": "These are strictly necessary and need no consent.",
    "cookies.consent": "We use these only if you consent.",
    "cookies.first_party": "{org} (first party)",
    "cookies.session": "until you close the browser",
    "label.cookie": "Name",
    "label.provider": "Provider",
    "label.cookie_purpose": "Purpose",
    "label.duration": "Duration",
    # --- version ---------------------------------------------------------------------
    "version.heading": "Changes to this notice",
    "version.text": (
        "We update this notice when our processing changes. This version ({version}) "
        "applies from {date}."
    ),
    # --- changes between versions ------------------------------------------------------
    "change.none": "No changes that affect the privacy notice.",
    "change.recipient_added": "{name} was added as {role} {where}.",
    "change.recipient_added_nowhere": "{name} was added as {role}.",
    "change.recipient_removed": "{name} was removed as a recipient.",
    "change.recipient_role": "{name} is now {role} (previously {old}).",
    "change.recipient_country": "{name} now processes data {where} (previously {old}).",
    "change.recipient_transfer": "{name} now transfers under {safeguard}.",
    "change.recipient_transfer_removed": (
        "{name} no longer states a safeguard for transfers outside the EU/EEA."
    ),
    "change.purpose_added": "New purpose: {purpose}.",
    "change.purpose_removed": "The purpose {purpose} was removed.",
    "change.basis": "The legal basis for {purpose} changed from {old} to {new}.",
    "change.retention_shortened": (
        "The retention period for {purpose} was shortened from {old} to {new}."
    ),
    "change.retention_lengthened": (
        "The retention period for {purpose} was extended from {old} to {new}."
    ),
    "change.retention_changed": "The retention for {purpose} changed: now {new}.",
    "change.categories_added": "{purpose} now also uses: {categories}.",
    "change.categories_removed": "{purpose} no longer uses: {categories}.",
    "change.purpose_recipients_added": "{purpose} now shares data with {names}.",
    "change.purpose_recipients_removed": "{purpose} no longer shares data with {names}.",
    "change.cookie_added": "New cookie: {cookie} ({provider}, {category}).",
    "change.cookie_removed": "The cookie {cookie} ({provider}) was removed.",
    "change.dpo": "Our data protection officer is now {dpo}.",
    "change.dpo_removed": "We no longer have a data protection officer.",
    "change.contact": "Our contact details changed: {field} is now {new} (previously {old}).",
    "change.contact_removed": "Our contact details changed: {field} {old} was removed.",
    "change.controller": "The controller is now {new} (previously {old}).",
    "field.email": "e-mail",
    "field.phone": "phone",
    "field.address": "address",
    "field.website": "website",
    "field.privacy_portal": "privacy portal",
    # --- record of processing (Art. 30(1)) -----------------------------------------------
    "ropa.title": "Record of processing activities (Article 30 GDPR) – {org}",
    "ropa.key": "Key",
    "ropa.controller": "(a) Controller, joint controllers, representative, DPO",
    "ropa.purpose": "(b) Purpose",
    "ropa.subjects": "(c) Categories of data subjects",
    "ropa.categories": "(c) Categories of personal data",
    "ropa.recipients": "(d) Recipients, including in third countries",
    "ropa.transfers": "(e) Transfers to third countries and safeguards",
    "ropa.erasure": "(f) Time limits for erasure",
    "ropa.security": "(g) Technical and organisational security measures",
    "ropa.legal_basis": "Legal basis",
    "ropa.source": "Source",
    "ropa.not_described": "Not described",
    "ropa.sheet_purposes": "Record of processing",
    "ropa.sheet_recipients": "Recipients",
    "ropa.name": "Name",
    "ropa.entity": "Legal entity",
    "ropa.locations": "Data locations",
    "ropa.dpa": "Data processing agreement",
    "ropa.dpa_signed": "signed {date}",
    "ropa.dpa_undated": "yes (undated)",
    "ropa.dpo": "DPO",
    "ropa.representative": "Representative",
    "ropa.joint": "Joint controller",
    "ropa.generated": "Generated from the manifest, version {version}, on {date}.",
}

CATEGORIES: dict[str, str] = {
    "user": "personal data",
    "user.name": "name",
    "user.contact": "contact details",
    "user.contact.email": "e-mail address",
    "user.contact.address": "postal address",
    "user.contact.phone_number": "phone number",
    "user.behavior": "activity on our website and in our services",
    "user.behavior.purchase_history": "order and purchase history",
    "user.behavior.browsing_history": "pages you visit on our website",
    "user.behavior.search_history": "search history",
    "user.payment": "payment information",
    "user.financial": "financial information",
    "user.financial.credit_card": "card details",
    "user.financial.bank_account": "bank account number",
    "user.device": "device and browser information",
    "user.device.ip_address": "IP address",
    "user.device.cookie_id": "cookie identifiers",
    "user.device.device_id": "device ID",
    "user.unique_id": "customer number and other identifiers",
    "user.authorization": "login details",
    "user.authorization.credentials": "login details",
    "user.authorization.password": "password",
    "user.account": "account information",
    "user.account.settings": "account settings and preferences",
    "user.account.username": "username",
    "user.content": "content you give us",
    "user.content.public": "reviews and other content you publish",
    "user.content.private": "content you share with us privately",
    "user.demographic": "demographic information",
    "user.demographic.date_of_birth": "date of birth",
    "user.demographic.age_range": "age",
    "user.demographic.gender": "gender",
    "user.demographic.profile": "interests and demographic profile",
    "user.location": "location",
    "user.location.imprecise": "approximate location",
    "user.location.precise": "precise location",
    "user.government_id": "national identity number",
    "user.social": "social media profile",
    "user.health_and_medical": "health information",
    "user.biometric": "biometric data",
}

SUBJECTS: dict[str, str] = {
    "customer": "customers",
    "visitor": "website visitors",
    "prospect": "prospective customers",
    "anonymous_user": "anonymous users",
    "employee": "employees",
    "job_applicant": "job applicants",
    "supplier_vendor": "suppliers",
    "consultant": "consultants",
    "next_of_kin": "next of kin",
}

COUNTRIES: dict[str, str] = {
    "AT": "Austria", "BE": "Belgium", "BG": "Bulgaria", "HR": "Croatia", "CY": "Cyprus",
    "CZ": "Czech Republic", "DK": "Denmark", "EE": "Estonia", "FI": "Finland",
    "FR": "France", "DE": "Germany", "GR": "Greece", "HU": "Hungary", "IE": "Ireland",
    "IT": "Italy", "LV": "Latvia", "LT": "Lithuania", "LU": "Luxembourg", "MT": "Malta",
    "NL": "Netherlands", "PL": "Poland", "PT": "Portugal", "RO": "Romania",
    "SK": "Slovakia", "SI": "Slovenia", "ES": "Spain", "SE": "Sweden", "IS": "Iceland",
    "LI": "Liechtenstein", "NO": "Norway", "US": "USA", "GB": "United Kingdom",
    "CH": "Switzerland", "CA": "Canada", "JP": "Japan", "IL": "Israel",
    "KR": "South Korea", "NZ": "New Zealand", "AU": "Australia", "IN": "India",
    "CN": "China", "SG": "Singapore", "BR": "Brazil", "AR": "Argentina", "UY": "Uruguay",
    "AE": "United Arab Emirates", "UA": "Ukraine", "PH": "Philippines",
    "EU": "EU", "EEA": "EEA",
}
