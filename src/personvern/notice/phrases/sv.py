"""Swedish phrases of the privacy notice, the diff and the record of processing.

Written the way IMY and Swedish notices write: «artikel 6.1 a i dataskyddsförordningen»,
«rättslig grund», «personuppgiftsbiträde», «personuppgiftsansvarig».
"""

from __future__ import annotations

CODE = "sv"
CONJUNCTION = "och"
QUOTES = ("”", "”")
MONTHS = (
    "januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
    "oktober", "november", "december",
)
DATE = "{day} {month} {year}"

UNITS = {
    "years": ("år", "år"),
    "months": ("månad", "månader"),
    "weeks": ("vecka", "veckor"),
    "days": ("dag", "dagar"),
    "hours": ("timme", "timmar"),
    "minutes": ("minut", "minuter"),
    "seconds": ("sekund", "sekunder"),
}

# Islands take «på» in Swedish: «på Malta», «på Island», «på Cypern».
ON_ISLAND = frozenset({"MT", "IS", "CY"})

PHRASES: dict[str, str] = {
    # --- frame -------------------------------------------------------------------------
    "title": "Integritetspolicy för {org}",
    "updated": "Senast uppdaterad {date} · version {version}",
    "intro": (
        "Här förklarar vi hur {org} behandlar dina personuppgifter när du besöker vår "
        "webbplats och handlar hos oss, och vilka rättigheter du har."
    ),
    "toc": "Innehåll",
    # --- summary -----------------------------------------------------------------------
    "summary.heading": "Kort sammanfattning",
    "summary.controller": "{org} är personuppgiftsansvarig för dina personuppgifter.",
    "summary.purposes": "Vi använder uppgifterna för {uses}.",
    "summary.bases": "Vi stöder oss på {bases}.",
    "summary.sharing": (
        "Vi delar uppgifter med {count} leverantörer och samarbetspartner, bland andra "
        "{names}."
    ),
    "summary.sharing_none": "Vi delar inte dina uppgifter med andra.",
    "summary.transfers": (
        "Vissa uppgifter förs över till länder utanför EU/EES ({countries}), med de "
        "skyddsåtgärder som beskrivs nedan."
    ),
    "summary.transfers_none": "Vi för inte över dina uppgifter utanför EU/EES.",
    "summary.transfers_unspecified": (
        "Vissa uppgifter kan föras över till länder utanför EU/EES, med de skyddsåtgärder "
        "som beskrivs nedan."
    ),
    "summary.retention": "Vi sparar uppgifterna bara så länge varje ändamål kräver.",
    "summary.rights": (
        "Du kan se, rätta, radera eller ta med dig dina uppgifter, invända och när som helst "
        "återkalla ditt samtycke. {how}"
    ),
    "summary.complaint": "Du kan klaga hos {authority}.",
    "summary.complaint_any": "Du kan klaga hos en tillsynsmyndighet för dataskydd.",
    "summary.cookies": "Vi använder {count} kakor och liknande tekniker, som listas nedan.",
    "summary.cookies_none": "Vi listar inga kakor för vår webbplats.",
    # --- data uses -----------------------------------------------------------------------
    "use.essential": "att driva butiken, hantera beställningar och leverera varor",
    "use.analytics": "statistik och analys",
    "use.marketing": "marknadsföring",
    "use.personalize": "anpassat innehåll och rekommendationer",
    "use.functional": "extra funktioner på webbplatsen",
    "use.third_party_sharing": "utlämnande till andra när vi är skyldiga eller har rätt till det",
    "use.sales": "försäljning",
    "use.finance": "bokföring och betalningar",
    "use.collect": "insamling av data",
    "use.employment": "personaladministration",
    "use.train_ai_system": "träning av AI-system",
    # --- controller --------------------------------------------------------------------
    "controller.heading": "Vem är ansvarig",
    "controller.text": (
        "{org} är personuppgiftsansvarig för den behandling som beskrivs i den här policyn."
    ),
    "controller.representative": "Vår företrädare i EU/EES är {name} ({contact}).",
    "controller.joint": "Vi är gemensamt personuppgiftsansvariga med {name} för {purposes}.",
    "label.org_number": "Organisationsnummer",
    "label.address": "Adress",
    "label.email": "E-post",
    "label.phone": "Telefon",
    "label.website": "Webbplats",
    "label.portal": "Integritetsportal",
    # --- DPO ---------------------------------------------------------------------------
    "dpo.heading": "Dataskyddsombud",
    "dpo.text": "Du kan kontakta vårt dataskyddsombud, {name}, på {contact}.",
    "dpo.text_unnamed": "Du kan kontakta vårt dataskyddsombud på {contact}.",
    "dpo.none": (
        "Vi har inte utsett något dataskyddsombud. Frågor om dataskydd kan du skicka till "
        "{contact}."
    ),
    "dpo.none_no_contact": (
        "Vi har inte utsett något dataskyddsombud. Kontakta oss om du har frågor om "
        "dataskydd."
    ),
    # --- purposes ----------------------------------------------------------------------
    "purposes.heading": "Vad vi använder uppgifterna till",
    "purposes.intro": (
        "För varje ändamål berättar vi vilka uppgifter vi använder, vilken den rättsliga "
        "grunden är, hur länge vi sparar uppgifterna och vem som får ta del av dem."
    ),
    "label.categories": "Personuppgifter",
    "label.legal_basis": "Rättslig grund",
    "label.retention": "Lagringstid",
    "label.recipients": "Delas med",
    "label.sources": "Varifrån uppgifterna kommer",
    "label.withdraw": "Återkalla samtycket",
    "label.purpose": "Ändamål",
    "label.subjects": "Vems uppgifter",
    "value.not_stated": "inte angiven",
    "value.none": "inga",
    # --- legal bases -------------------------------------------------------------------
    "basis.consent": "ditt samtycke (artikel 6.1 a i dataskyddsförordningen)",
    "basis.contract": (
        "nödvändigt för att fullgöra avtalet med dig (artikel 6.1 b i "
        "dataskyddsförordningen)"
    ),
    "basis.legal_obligation": (
        "nödvändigt för att fullgöra en rättslig förpliktelse (artikel 6.1 c i "
        "dataskyddsförordningen)"
    ),
    "basis.legal_obligation_law": (
        "nödvändigt för att fullgöra en rättslig förpliktelse enligt {law} (artikel 6.1 c i "
        "dataskyddsförordningen)"
    ),
    "basis.vital_interests": (
        "nödvändigt för att skydda grundläggande intressen (artikel 6.1 d i "
        "dataskyddsförordningen)"
    ),
    "basis.public_task": (
        "nödvändigt för att utföra en uppgift av allmänt intresse (artikel 6.1 e i "
        "dataskyddsförordningen)"
    ),
    "basis.legitimate_interests": (
        "vårt berättigade intresse (artikel 6.1 f i dataskyddsförordningen)"
    ),
    "basis.legitimate_interests_with": (
        "vårt berättigade intresse (artikel 6.1 f i dataskyddsförordningen): {interest}"
    ),
    "basis.none": "inte angiven",
    "basis_short.consent": "samtycke",
    "basis_short.contract": "avtal",
    "basis_short.legal_obligation": "rättslig förpliktelse",
    "basis_short.vital_interests": "grundläggande intressen",
    "basis_short.public_task": "en uppgift av allmänt intresse",
    "basis_short.legitimate_interests": "berättigat intresse",
    "basis_short.none": "ingen angiven grund",
    # --- retention ---------------------------------------------------------------------
    "retention.heading": "Hur länge vi sparar uppgifterna",
    "retention.intro": (
        "Vi sparar personuppgifter bara så länge vi behöver dem för det ändamål de samlades "
        "in för. Därefter raderar eller anonymiserar vi dem."
    ),
    "retention.after": "{period} efter att {event}",
    "retention.until": "tills {event}",
    "retention.end_of.fiscal_year": "{period} efter utgången av räkenskapsåret",
    "retention.end_of.calendar_year": "{period} efter utgången av kalenderåret",
    "retention.holds": "Vissa uppgifter måste vi spara längre eftersom lagen kräver det:",
    "event.collected": "de sparades",
    "event.last_activity": "du senast var aktiv hos oss",
    "event.account_closed": "ditt konto har avslutats",
    "event.contract_end": "avtalet har upphört",
    "event.consent_withdrawn": "du har återkallat ditt samtycke",
    "event.subscription_end": "prenumerationen har avslutats",
    "event.request_completed": "din begäran har behandlats klart",
    "event.column": "de registrerades",
    # --- sources -----------------------------------------------------------------------
    "sources.heading": "Varifrån vi får uppgifterna",
    "sources.subject": (
        "De flesta uppgifterna får vi från dig, när du handlar hos oss, skapar ett konto "
        "eller kontaktar oss."
    ),
    "sources.observed": (
        "Vissa uppgifter samlas in automatiskt när du använder vår webbplats, till exempel "
        "genom kakor och loggar. Det gäller {purposes}."
    ),
    "sources.generated": (
        "Vissa uppgifter skapar vi själva utifrån hur du använder våra tjänster. Det gäller "
        "{purposes}."
    ),
    "sources.public": (
        "Vissa uppgifter hämtar vi från offentligt tillgängliga källor. Det gäller "
        "{purposes}."
    ),
    "sources.third_party": (
        "Vi får uppgifter om dig från {source}: {categories}. De används för {purposes}."
    ),
    "source.subject": "från dig",
    "source.observed": "samlas in automatiskt när du använder webbplatsen",
    "source.generated": "skapas av oss utifrån din användning av tjänsterna",
    "source.public": "offentligt tillgängliga källor",
    "source.third_party": "från {source}",
    "source.third_party_unnamed": "från andra företag",
    # --- recipients --------------------------------------------------------------------
    "recipients.heading": "Vilka vi delar uppgifterna med",
    "recipients.intro": (
        "Vi anlitar leverantörer som behandlar uppgifter för vår räkning "
        "(personuppgiftsbiträden), och vi delar vissa uppgifter med företag som själva "
        "bestämmer hur de använder dem (självständigt personuppgiftsansvariga)."
    ),
    "recipients.none": "Vi delar inte dina personuppgifter med andra.",
    "label.recipient": "Mottagare",
    "label.role": "Roll",
    "label.country": "Land",
    "label.purposes": "Ändamål",
    "role.processor": "personuppgiftsbiträde",
    "role.sub_processor": "underbiträde",
    "role.joint_controller": "gemensamt personuppgiftsansvarig",
    "role.independent_controller": "självständigt personuppgiftsansvarig",
    "role.public_authority": "myndighet",
    "role_a.processor": "personuppgiftsbiträde",
    "role_a.sub_processor": "underbiträde",
    "role_a.joint_controller": "gemensamt personuppgiftsansvarig",
    "role_a.independent_controller": "självständigt personuppgiftsansvarig",
    "role_a.public_authority": "myndighet",
    "country.outside_eea": "länder utanför EU/EES",
    # --- transfers ---------------------------------------------------------------------
    "transfers.heading": "Överföring till länder utanför EU/EES",
    "transfers.intro": (
        "Vissa mottagare finns utanför EU/EES eller kan föra över uppgifter dit. Varje "
        "överföring grundar sig på någon av skyddsåtgärderna i kapitel V i "
        "dataskyddsförordningen:"
    ),
    "transfers.none": "Vi för inte över dina personuppgifter till länder utanför EU/EES.",
    "label.safeguard": "Skyddsåtgärd",
    "safeguard.adequacy": (
        "EU-kommissionens beslut om adekvat skyddsnivå (artikel 45 i dataskyddsförordningen)"
    ),
    "safeguard.dpf": (
        "EU-US Data Privacy Framework (kommissionens beslut om adekvat skyddsnivå av den "
        "10 juli 2023, artikel 45 i dataskyddsförordningen)"
    ),
    "safeguard.scc": (
        "EU-kommissionens standardavtalsklausuler (artikel 46.2 c i dataskyddsförordningen)"
    ),
    "safeguard.bcr": "bindande företagsbestämmelser (artikel 47 i dataskyddsförordningen)",
    "safeguard.derogation": "undantag enligt artikel 49.1 {letter} i dataskyddsförordningen",
    "safeguard.none": "ingen angiven",
    "safeguard_short.adequacy": "ett beslut om adekvat skyddsnivå",
    "safeguard_short.dpf": "EU-US Data Privacy Framework",
    "safeguard_short.scc": "standardavtalsklausuler",
    "safeguard_short.bcr": "bindande företagsbestämmelser",
    "safeguard_short.derogation": "undantag enligt artikel 49.1 {letter}",
    "safeguard_short.none": "ingen skyddsåtgärd",
    # --- automated decisions and profiling -----------------------------------------------
    "automated.heading": "Automatiserade beslut och profilering",
    "automated.none": (
        "Vi fattar inga beslut om dig som enbart grundar sig på automatiserad behandling, "
        "och vi använder inte profilering."
    ),
    "automated.decision": (
        "Detta är ett automatiserat beslut som kan påverka dig i betydande grad (artikel 22 "
        "i dataskyddsförordningen)."
    ),
    "automated.profiling_only": (
        "Detta är profilering. Den leder inte till beslut som har rättsliga följder för dig "
        "eller på liknande sätt påverkar dig i betydande grad."
    ),
    "automated.human_review": (
        "Du kan begära att en människa prövar beslutet på nytt, framföra din synpunkt och "
        "bestrida beslutet. {how}"
    ),
    "automated.object": (
        "Du kan när som helst invända mot profileringen (artikel 21 i "
        "dataskyddsförordningen)."
    ),
    "automated.withdraw": "Du kan när som helst återkalla ditt samtycke till profileringen.",
    "label.logic": "Hur det fungerar",
    "label.significance": "Betydelse och följder",
    "label.human_review": "Mänsklig prövning",
    # --- requirement -------------------------------------------------------------------
    "requirement.heading": "Måste du lämna uppgifterna?",
    "requirement.intro": (
        "Du bestämmer själv om du vill lämna personuppgifter till oss. Vissa uppgifter "
        "behöver vi för att ingå eller fullgöra ett avtal med dig, eller för att lagen "
        "kräver det:"
    ),
    "requirement.general": (
        "Uppgifter som samlas in automatiskt eller som vi skapar själva är inget du lämnar "
        "till oss; för kakor bestämmer du själv i inställningarna."
    ),
    "label.required": "Måste du lämna dem?",
    "label.consequences": "Om du inte gör det",
    "requirement.statutory": "krävs enligt lag",
    "requirement.contractual": "ett krav i avtalet",
    "requirement.contract_prerequisite": "nödvändigt för att ingå avtalet",
    "requirement.voluntary": "frivilligt",
    "consequence.statutory": "Vi kan inte göra det du ber om, eftersom lagen kräver uppgifterna.",
    "consequence.contractual": "Vi kan inte ingå eller fullgöra avtalet med dig.",
    "consequence.contract_prerequisite": "Vi kan inte ingå avtalet med dig.",
    "consequence.voluntary": "Inga följder för dig.",
    # --- rights ------------------------------------------------------------------------
    "rights.heading": "Dina rättigheter",
    "rights.intro": (
        "Du har följande rättigheter enligt dataskyddsförordningen. Det är kostnadsfritt att "
        "använda dem, och vi svarar inom en månad (artikel 12.3 i dataskyddsförordningen)."
    ),
    "rights.how_portal": "Du använder dina rättigheter i vår integritetsportal: {portal}",
    "rights.how_email": (
        "Skicka ett e-postmeddelande till {email} för att använda dina rättigheter."
    ),
    "rights.how_none": "Kontakta oss för att använda dina rättigheter.",
    "rights.identity": (
        "Vi kan be dig bekräfta din identitet, men aldrig om mer än vi behöver (artikel 12.6 "
        "i dataskyddsförordningen)."
    ),
    "right.access": "Tillgång (artikel 15)",
    "right.access.text": (
        "Du kan fråga om vi behandlar uppgifter om dig och få en kopia av dem tillsammans med "
        "information om hur vi använder dem."
    ),
    "right.rectification": "Rättelse (artikel 16)",
    "right.rectification.text": (
        "Du kan be oss rätta felaktiga uppgifter och komplettera ofullständiga uppgifter."
    ),
    "right.erasure": "Radering (artikel 17)",
    "right.erasure.text": (
        "Du kan be oss radera dina uppgifter. Vi behåller bara det som lagen kräver att vi "
        "sparar, eller det vi behöver för att fastställa, göra gällande eller försvara "
        "rättsliga anspråk, och bara så länge det behövs."
    ),
    "right.erasure.laws": "Det gäller bland annat uppgifter som vi måste spara enligt {laws}.",
    "right.restriction": "Begränsning (artikel 18)",
    "right.restriction.text": (
        "Du kan be oss begränsa behandlingen, till exempel medan vi kontrollerar om "
        "uppgifterna är korrekta. Då lagrar vi bara uppgifterna."
    ),
    "right.objection": "Invändning (artikel 21)",
    "right.objection.text": (
        "När vi stöder oss på berättigat intresse kan du invända av skäl som rör din "
        "särskilda situation. Då upphör vi med behandlingen, om vi inte har tvingande "
        "berättigade skäl att fortsätta. Mot direktmarknadsföring, även profilering för "
        "sådan marknadsföring, kan du alltid invända, och då upphör vi."
    ),
    "right.portability": "Dataportabilitet (artikel 20)",
    "right.portability.text": (
        "När behandlingen grundar sig på samtycke eller avtal kan du få ut de uppgifter du "
        "har lämnat till oss i ett strukturerat, allmänt använt och maskinläsbart format, "
        "eller få dem överförda till ett annat företag."
    ),
    "right.withdraw": "Återkalla samtycke (artikel 7.3)",
    "right.withdraw.text": (
        "När vi stöder oss på ditt samtycke kan du när som helst återkalla det, lika enkelt "
        "som du gav det. Det påverkar inte behandling som skett innan du återkallade det."
    ),
    "right.withdraw.how": "Så återkallar du samtycket för varje ändamål:",
    # --- complaint ---------------------------------------------------------------------
    "complaint.heading": "Klagomål till tillsynsmyndigheten",
    "complaint.text": (
        "Om du anser att vi behandlar dina personuppgifter i strid med reglerna kan du klaga "
        "hos {authority}. Vi uppskattar om du kontaktar oss först, så att vi kan försöka "
        "rätta till det."
    ),
    "complaint.any": (
        "Du kan också klaga hos tillsynsmyndigheten i det EU/EES-land där du bor eller "
        "arbetar (artikel 77 i dataskyddsförordningen)."
    ),
    "complaint.none": (
        "Om du anser att vi behandlar dina personuppgifter i strid med reglerna kan du klaga "
        "hos tillsynsmyndigheten i det EU/EES-land där du bor eller arbetar, eller där vi är "
        "etablerade (artikel 77 i dataskyddsförordningen)."
    ),
    # --- cookies -----------------------------------------------------------------------
    "cookies.heading": "Kakor och liknande tekniker",
    "cookies.intro": (
        "Här är de kakor (cookies) och liknande tekniker vi använder, sorterade efter "
        "kategori. Du kan när som helst ändra ditt val i kakinställningarna på vår "
        "webbplats."
    ),
    "cookies.none": "Vi listar inga kakor eller liknande tekniker för vår webbplats.",
    "cookies.necessary": "Dessa är strikt nödvändiga och kräver inget samtycke.",
    "cookies.consent": "Dessa använder vi bara om du samtycker.",
    "cookies.first_party": "{org} (förstapart)",
    "cookies.session": "tills du stänger webbläsaren",
    "label.cookie": "Namn",
    "label.provider": "Leverantör",
    "label.cookie_purpose": "Ändamål",
    "label.duration": "Lagringstid",
    # --- version -----------------------------------------------------------------------
    "version.heading": "Ändringar i policyn",
    "version.text": (
        "Vi uppdaterar policyn när vår behandling ändras. Den här versionen ({version}) "
        "gäller från och med den {date}."
    ),
    # --- changes -----------------------------------------------------------------------
    "change.none": "Inga ändringar som påverkar integritetspolicyn.",
    "change.recipient_added": "{name} har lagts till som {role} {where}.",
    "change.recipient_added_nowhere": "{name} har lagts till som {role}.",
    "change.recipient_removed": "{name} har tagits bort som mottagare.",
    "change.recipient_role": "{name} är nu {role} (tidigare {old}).",
    "change.recipient_country": "{name} behandlar nu uppgifterna {where} (tidigare {old}).",
    "change.recipient_transfer": "{name} för nu över uppgifter med stöd av {safeguard}.",
    "change.recipient_transfer_removed": (
        "{name} anger inte längre någon skyddsåtgärd för överföring utanför EU/EES."
    ),
    "change.purpose_added": "Nytt ändamål: {purpose}.",
    "change.purpose_removed": "Ändamålet {purpose} har tagits bort.",
    "change.basis": "Den rättsliga grunden för {purpose} har ändrats från {old} till {new}.",
    "change.retention_shortened": (
        "Lagringstiden för {purpose} har förkortats från {old} till {new}."
    ),
    "change.retention_lengthened": (
        "Lagringstiden för {purpose} har förlängts från {old} till {new}."
    ),
    "change.retention_changed": "Lagringstiden för {purpose} har ändrats: nu {new}.",
    "change.categories_added": "{purpose} använder nu även: {categories}.",
    "change.categories_removed": "{purpose} använder inte längre: {categories}.",
    "change.purpose_recipients_added": "{purpose} delar nu uppgifter med {names}.",
    "change.purpose_recipients_removed": "{purpose} delar inte längre uppgifter med {names}.",
    "change.cookie_added": "Ny kaka: {cookie} ({provider}, {category}).",
    "change.cookie_removed": "Kakan {cookie} ({provider}) har tagits bort.",
    "change.dpo": "Vårt dataskyddsombud är nu {dpo}.",
    "change.dpo_removed": "Vi har inte längre något dataskyddsombud.",
    "change.contact": (
        "Våra kontaktuppgifter har ändrats: {field} är nu {new} (tidigare {old})."
    ),
    "change.contact_removed": "Våra kontaktuppgifter har ändrats: {field} {old} har tagits bort.",
    "change.controller": "Personuppgiftsansvarig är nu {new} (tidigare {old}).",
    "field.email": "e-post",
    "field.phone": "telefon",
    "field.address": "adress",
    "field.website": "webbplats",
    "field.privacy_portal": "integritetsportal",
    # --- record of processing ----------------------------------------------------------
    "ropa.title": "Förteckning över behandlingar (artikel 30 i dataskyddsförordningen) – {org}",
    "ropa.key": "Nyckel",
    "ropa.controller": (
        "(a) Personuppgiftsansvarig, gemensamt personuppgiftsansvariga, företrädare, "
        "dataskyddsombud"
    ),
    "ropa.purpose": "(b) Ändamål",
    "ropa.subjects": "(c) Kategorier av registrerade",
    "ropa.categories": "(c) Kategorier av personuppgifter",
    "ropa.recipients": "(d) Mottagare, även i tredjeländer",
    "ropa.transfers": "(e) Överföringar till tredjeländer och skyddsåtgärder",
    "ropa.erasure": "(f) Tidsfrister för radering",
    "ropa.security": "(g) Tekniska och organisatoriska säkerhetsåtgärder",
    "ropa.legal_basis": "Rättslig grund",
    "ropa.source": "Källa",
    "ropa.not_described": "Inte beskrivet",
    "ropa.sheet_purposes": "Registerförteckning",
    "ropa.sheet_recipients": "Mottagare",
    "ropa.name": "Namn",
    "ropa.entity": "Juridisk person",
    "ropa.locations": "Lagringsplats",
    "ropa.dpa": "Personuppgiftsbiträdesavtal",
    "ropa.dpa_signed": "undertecknat {date}",
    "ropa.dpa_undated": "ja (odaterat)",
    "ropa.dpo": "Dataskyddsombud",
    "ropa.representative": "Företrädare",
    "ropa.joint": "Gemensamt personuppgiftsansvarig",
    "ropa.generated": "Skapad från manifestet, version {version}, den {date}.",
}

CATEGORIES: dict[str, str] = {
    "user": "personuppgifter",
    "user.name": "namn",
    "user.contact": "kontaktuppgifter",
    "user.contact.email": "e-postadress",
    "user.contact.address": "adress",
    "user.contact.phone_number": "telefonnummer",
    "user.behavior": "aktivitet på webbplatsen och i våra tjänster",
    "user.behavior.purchase_history": "order- och köphistorik",
    "user.behavior.browsing_history": "vilka sidor du besöker på webbplatsen",
    "user.behavior.search_history": "sökhistorik",
    "user.payment": "betalningsuppgifter",
    "user.financial": "ekonomiska uppgifter",
    "user.financial.credit_card": "kortuppgifter",
    "user.financial.bank_account": "kontonummer",
    "user.device": "uppgifter om enhet och webbläsare",
    "user.device.ip_address": "IP-adress",
    "user.device.cookie_id": "identifierare i kakor",
    "user.device.device_id": "enhets-id",
    "user.unique_id": "kundnummer och andra identifierare",
    "user.authorization": "inloggningsuppgifter",
    "user.authorization.credentials": "inloggningsuppgifter",
    "user.authorization.password": "lösenord",
    "user.account": "kontouppgifter",
    "user.account.settings": "kontoinställningar och preferenser",
    "user.account.username": "användarnamn",
    "user.content": "innehåll du lämnar till oss",
    "user.content.public": "recensioner och annat innehåll du publicerar",
    "user.content.private": "innehåll du delar med oss privat",
    "user.demographic": "demografiska uppgifter",
    "user.demographic.date_of_birth": "födelsedatum",
    "user.demographic.age_range": "ålder",
    "user.demographic.gender": "kön",
    "user.demographic.profile": "intressen och demografisk profil",
    "user.location": "platsuppgifter",
    "user.location.imprecise": "ungefärlig plats",
    "user.location.precise": "exakt plats",
    "user.government_id": "personnummer",
    "user.social": "profil i sociala medier",
    "user.health_and_medical": "hälsouppgifter",
    "user.biometric": "biometriska uppgifter",
}

SUBJECTS: dict[str, str] = {
    "customer": "kunder",
    "visitor": "besökare på webbplatsen",
    "prospect": "potentiella kunder",
    "anonymous_user": "anonyma användare",
    "employee": "anställda",
    "job_applicant": "arbetssökande",
    "supplier_vendor": "leverantörer",
    "consultant": "konsulter",
    "next_of_kin": "anhöriga",
}

COUNTRIES: dict[str, str] = {
    "AT": "Österrike", "BE": "Belgien", "BG": "Bulgarien", "HR": "Kroatien", "CY": "Cypern",
    "CZ": "Tjeckien", "DK": "Danmark", "EE": "Estland", "FI": "Finland", "FR": "Frankrike",
    "DE": "Tyskland", "GR": "Grekland", "HU": "Ungern", "IE": "Irland", "IT": "Italien",
    "LV": "Lettland", "LT": "Litauen", "LU": "Luxemburg", "MT": "Malta",
    "NL": "Nederländerna", "PL": "Polen", "PT": "Portugal", "RO": "Rumänien",
    "SK": "Slovakien", "SI": "Slovenien", "ES": "Spanien", "SE": "Sverige", "IS": "Island",
    "LI": "Liechtenstein", "NO": "Norge", "US": "USA", "GB": "Storbritannien",
    "CH": "Schweiz", "CA": "Kanada", "JP": "Japan", "IL": "Israel", "KR": "Sydkorea",
    "NZ": "Nya Zeeland", "AU": "Australien", "IN": "Indien", "CN": "Kina",
    "SG": "Singapore", "BR": "Brasilien", "AR": "Argentina", "UY": "Uruguay",
    "AE": "Förenade Arabemiraten", "UA": "Ukraina", "PH": "Filippinerna", "EU": "EU",
    "EEA": "EES",
}
