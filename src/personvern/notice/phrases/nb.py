"""Norwegian bokmål phrases of the privacy notice, the diff and the record of processing.

Written the way Norwegian notices and Datatilsynet write: «personvernforordningen art. 6
nr. 1 bokstav a», «behandlingsgrunnlag», «databehandler», «behandlingsansvarlig».
"""

from __future__ import annotations

CODE = "nb"
CONJUNCTION = "og"
QUOTES = ("«", "»")
MONTHS = (
    "januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september",
    "oktober", "november", "desember",
)
DATE = "{day}. {month} {year}"

UNITS = {
    "years": ("år", "år"),
    "months": ("måned", "måneder"),
    "weeks": ("uke", "uker"),
    "days": ("dag", "dager"),
    "hours": ("time", "timer"),
    "minutes": ("minutt", "minutter"),
    "seconds": ("sekund", "sekunder"),
}

# Islands take «på» in Norwegian: «på Malta», «på Island», «på Kypros».
ON_ISLAND = frozenset({"MT", "IS", "CY"})

PHRASES: dict[str, str] = {
    # --- frame -------------------------------------------------------------------------
    "title": "Personvernerklæring for {org}",
    "updated": "Sist oppdatert {date} · versjon {version}",
    "intro": (
        "Her forklarer vi hvordan {org} behandler personopplysningene dine når du besøker "
        "nettsiden vår og handler hos oss, og hvilke rettigheter du har."
    ),
    "toc": "Innhold",
    # --- summary -----------------------------------------------------------------------
    "summary.heading": "Kort fortalt",
    "summary.controller": "{org} er behandlingsansvarlig for personopplysningene dine.",
    "summary.purposes": "Vi bruker opplysningene til {uses}.",
    "summary.bases": "Vi bygger behandlingen på {bases}.",
    "summary.sharing": (
        "Vi deler opplysninger med {count} leverandører og samarbeidspartnere, blant annet "
        "{names}."
    ),
    "summary.sharing_none": "Vi deler ikke opplysningene dine med andre.",
    "summary.transfers": (
        "Noen opplysninger overføres til land utenfor EU/EØS ({countries}), med "
        "garantiene som er beskrevet nedenfor."
    ),
    "summary.transfers_none": "Vi overfører ikke opplysningene dine ut av EU/EØS.",
    "summary.transfers_unspecified": (
        "Noen opplysninger kan overføres til land utenfor EU/EØS, med garantiene som er "
        "beskrevet nedenfor."
    ),
    "summary.retention": "Vi lagrer opplysningene bare så lenge hvert formål krever.",
    "summary.rights": (
        "Du kan se, rette, slette eller ta med deg opplysningene dine, protestere og når som "
        "helst trekke tilbake samtykke. {how}"
    ),
    "summary.complaint": "Du kan klage til {authority}.",
    "summary.complaint_any": "Du kan klage til en tilsynsmyndighet for personvern.",
    "summary.cookies": (
        "Vi bruker {count} informasjonskapsler og lignende teknologi, som er listet opp "
        "nedenfor."
    ),
    "summary.cookies_none": "Vi lister ikke opp informasjonskapsler for nettsiden vår.",
    # --- data uses -----------------------------------------------------------------------
    "use.essential": "å drive nettbutikken, behandle bestillinger og levere varer",
    "use.analytics": "statistikk og analyse",
    "use.marketing": "markedsføring",
    "use.personalize": "tilpasset innhold og anbefalinger",
    "use.functional": "ekstra funksjoner på nettsiden",
    "use.third_party_sharing": "utlevering til andre når vi har plikt eller rett til det",
    "use.sales": "salg",
    "use.finance": "regnskap og betaling",
    "use.collect": "innsamling av data",
    "use.employment": "personaladministrasjon",
    "use.train_ai_system": "trening av KI-systemer",
    # --- controller --------------------------------------------------------------------
    "controller.heading": "Hvem er ansvarlig",
    "controller.text": "{org} er behandlingsansvarlig for behandlingen som beskrives her.",
    "controller.representative": "Vår representant i EU/EØS er {name} ({contact}).",
    "controller.joint": "Vi er felles behandlingsansvarlige med {name} for {purposes}.",
    "label.org_number": "Organisasjonsnummer",
    "label.address": "Adresse",
    "label.email": "E-post",
    "label.phone": "Telefon",
    "label.website": "Nettside",
    "label.portal": "Personvernportal",
    # --- DPO ---------------------------------------------------------------------------
    "dpo.heading": "Personvernombud",
    "dpo.text": "Du kan kontakte personvernombudet vårt, {name}, på {contact}.",
    "dpo.text_unnamed": "Du kan kontakte personvernombudet vårt på {contact}.",
    "dpo.none": (
        "Vi har ikke utnevnt personvernombud. Spørsmål om personvern kan du sende til "
        "{contact}."
    ),
    "dpo.none_no_contact": (
        "Vi har ikke utnevnt personvernombud. Kontakt oss hvis du har spørsmål om "
        "personvern."
    ),
    # --- purposes ----------------------------------------------------------------------
    "purposes.heading": "Hva vi bruker opplysningene til",
    "purposes.intro": (
        "For hvert formål forteller vi hvilke opplysninger vi bruker, hva som er "
        "behandlingsgrunnlaget, hvor lenge vi lagrer opplysningene og hvem som får dem."
    ),
    "label.categories": "Personopplysninger",
    "label.legal_basis": "Behandlingsgrunnlag",
    "label.retention": "Lagringstid",
    "label.recipients": "Deles med",
    "label.sources": "Hvor opplysningene kommer fra",
    "label.withdraw": "Trekke tilbake samtykket",
    "label.purpose": "Formål",
    "label.subjects": "Hvem opplysningene gjelder",
    "value.not_stated": "ikke oppgitt",
    "value.none": "ingen",
    # --- legal bases -------------------------------------------------------------------
    "basis.consent": "samtykket ditt (personvernforordningen art. 6 nr. 1 bokstav a)",
    "basis.contract": (
        "nødvendig for å oppfylle avtalen med deg (personvernforordningen art. 6 nr. 1 "
        "bokstav b)"
    ),
    "basis.legal_obligation": (
        "nødvendig for å oppfylle en rettslig forpliktelse (personvernforordningen art. 6 "
        "nr. 1 bokstav c)"
    ),
    "basis.legal_obligation_law": (
        "nødvendig for å oppfylle en rettslig forpliktelse etter {law} "
        "(personvernforordningen art. 6 nr. 1 bokstav c)"
    ),
    "basis.vital_interests": (
        "nødvendig for å verne vitale interesser (personvernforordningen art. 6 nr. 1 "
        "bokstav d)"
    ),
    "basis.public_task": (
        "nødvendig for å utføre en oppgave i allmennhetens interesse "
        "(personvernforordningen art. 6 nr. 1 bokstav e)"
    ),
    "basis.legitimate_interests": (
        "vår berettigede interesse (personvernforordningen art. 6 nr. 1 bokstav f)"
    ),
    "basis.legitimate_interests_with": (
        "vår berettigede interesse (personvernforordningen art. 6 nr. 1 bokstav f): "
        "{interest}"
    ),
    "basis.none": "ikke oppgitt",
    "basis_short.consent": "samtykke",
    "basis_short.contract": "avtale",
    "basis_short.legal_obligation": "rettslig forpliktelse",
    "basis_short.vital_interests": "vitale interesser",
    "basis_short.public_task": "en oppgave i allmennhetens interesse",
    "basis_short.legitimate_interests": "berettiget interesse",
    "basis_short.none": "uten oppgitt grunnlag",
    # --- retention ---------------------------------------------------------------------
    "retention.heading": "Hvor lenge vi lagrer opplysningene",
    "retention.intro": (
        "Vi lagrer personopplysninger bare så lenge vi trenger dem til formålet de ble "
        "samlet inn for. Deretter sletter eller anonymiserer vi dem."
    ),
    "retention.after": "{period} etter at {event}",
    "retention.until": "til {event}",
    "retention.end_of.fiscal_year": "{period} etter utgangen av regnskapsåret",
    "retention.end_of.calendar_year": "{period} etter utgangen av kalenderåret",
    "retention.holds": "Noen opplysninger må vi lagre lenger fordi loven krever det:",
    "event.collected": "de ble lagret",
    "event.last_activity": "du sist var aktiv hos oss",
    "event.account_closed": "kontoen din er avsluttet",
    "event.contract_end": "avtalen er avsluttet",
    "event.consent_withdrawn": "du har trukket tilbake samtykket",
    "event.subscription_end": "abonnementet er avsluttet",
    "event.request_completed": "forespørselen din er ferdigbehandlet",
    "event.column": "de ble registrert",
    # --- sources -----------------------------------------------------------------------
    "sources.heading": "Hvor vi får opplysningene fra",
    "sources.subject": (
        "De fleste opplysningene får vi fra deg, når du handler hos oss, oppretter en konto "
        "eller kontakter oss."
    ),
    "sources.observed": (
        "Noen opplysninger samles inn automatisk når du bruker nettsiden vår, for eksempel "
        "gjennom informasjonskapsler og logger. Det gjelder {purposes}."
    ),
    "sources.generated": (
        "Noen opplysninger lager vi selv ut fra hvordan du bruker tjenestene våre. Det "
        "gjelder {purposes}."
    ),
    "sources.public": (
        "Noen opplysninger henter vi fra offentlig tilgjengelige kilder. Det gjelder "
        "{purposes}."
    ),
    "sources.third_party": (
        "Vi mottar opplysninger om deg fra {source}: {categories}. De brukes til {purposes}."
    ),
    "source.subject": "fra deg",
    "source.observed": "samles inn automatisk når du bruker nettsiden",
    "source.generated": "lages av oss ut fra bruken av tjenestene",
    "source.public": "offentlig tilgjengelige kilder",
    "source.third_party": "fra {source}",
    "source.third_party_unnamed": "fra andre virksomheter",
    # --- recipients --------------------------------------------------------------------
    "recipients.heading": "Hvem vi deler opplysningene med",
    "recipients.intro": (
        "Vi bruker leverandører som behandler opplysninger på våre vegne (databehandlere), "
        "og vi deler noen opplysninger med virksomheter som selv bestemmer hvordan de bruker "
        "dem (selvstendig behandlingsansvarlige)."
    ),
    "recipients.none": "Vi deler ikke personopplysningene dine med andre.",
    "label.recipient": "Mottaker",
    "label.role": "Rolle",
    "label.country": "Land",
    "label.purposes": "Formål",
    "role.processor": "databehandler",
    "role.sub_processor": "underdatabehandler",
    "role.joint_controller": "felles behandlingsansvarlig",
    "role.independent_controller": "selvstendig behandlingsansvarlig",
    "role.public_authority": "offentlig myndighet",
    "role_a.processor": "databehandler",
    "role_a.sub_processor": "underdatabehandler",
    "role_a.joint_controller": "felles behandlingsansvarlig",
    "role_a.independent_controller": "selvstendig behandlingsansvarlig",
    "role_a.public_authority": "offentlig myndighet",
    "country.outside_eea": "land utenfor EU/EØS",
    # --- transfers ---------------------------------------------------------------------
    "transfers.heading": "Overføring til land utenfor EU/EØS",
    "transfers.intro": (
        "Noen mottakere holder til utenfor EU/EØS eller kan overføre opplysninger dit. Hver "
        "overføring bygger på et av overføringsgrunnlagene i personvernforordningen "
        "kapittel V:"
    ),
    "transfers.none": "Vi overfører ikke personopplysningene dine til land utenfor EU/EØS.",
    "label.safeguard": "Overføringsgrunnlag",
    "safeguard.adequacy": (
        "EU-kommisjonens beslutning om tilstrekkelig beskyttelsesnivå "
        "(personvernforordningen art. 45)"
    ),
    "safeguard.dpf": (
        "EU-US Data Privacy Framework (EU-kommisjonens beslutning om tilstrekkelig "
        "beskyttelsesnivå av 10. juli 2023, personvernforordningen art. 45)"
    ),
    "safeguard.scc": (
        "EU-kommisjonens standardkontraktsklausuler (personvernforordningen art. 46 nr. 2 "
        "bokstav c)"
    ),
    "safeguard.bcr": "bindende virksomhetsregler (personvernforordningen art. 47)",
    "safeguard.derogation": "unntak i personvernforordningen art. 49 nr. 1 bokstav {letter}",
    "safeguard.none": "ikke oppgitt",
    "safeguard_short.adequacy": "en beslutning om tilstrekkelig beskyttelsesnivå",
    "safeguard_short.dpf": "EU-US Data Privacy Framework",
    "safeguard_short.scc": "standardkontraktsklausuler",
    "safeguard_short.bcr": "bindende virksomhetsregler",
    "safeguard_short.derogation": "unntak i art. 49 nr. 1 bokstav {letter}",
    "safeguard_short.none": "uten overføringsgrunnlag",
    # --- automated decisions and profiling -----------------------------------------------
    "automated.heading": "Automatiserte avgjørelser og profilering",
    "automated.none": (
        "Vi treffer ingen avgjørelser om deg som utelukkende bygger på automatisert "
        "behandling, og vi bruker ikke profilering."
    ),
    "automated.decision": (
        "Dette er en automatisert avgjørelse som kan påvirke deg i betydelig grad "
        "(personvernforordningen art. 22)."
    ),
    "automated.profiling_only": (
        "Dette er profilering. Den fører ikke til avgjørelser som har rettsvirkning for deg "
        "eller på lignende måte påvirker deg i betydelig grad."
    ),
    "automated.human_review": (
        "Du kan be om at et menneske vurderer avgjørelsen på nytt, legge fram ditt syn og "
        "bestride avgjørelsen. {how}"
    ),
    "automated.object": (
        "Du kan når som helst protestere mot denne profileringen (personvernforordningen "
        "art. 21)."
    ),
    "automated.withdraw": "Du kan når som helst trekke tilbake samtykket til profileringen.",
    "label.logic": "Hvordan det fungerer",
    "label.significance": "Betydning og konsekvenser",
    "label.human_review": "Menneskelig vurdering",
    # --- requirement -------------------------------------------------------------------
    "requirement.heading": "Må du gi oss opplysningene?",
    "requirement.intro": (
        "Du bestemmer selv om du vil gi oss personopplysninger. Noen opplysninger trenger vi "
        "for å inngå eller oppfylle en avtale med deg, eller fordi loven krever det:"
    ),
    "requirement.general": (
        "Opplysninger som samles inn automatisk eller som vi lager selv, er ikke noe du gir "
        "oss; for informasjonskapsler bestemmer du selv i innstillingene."
    ),
    "label.required": "Må du gi dem?",
    "label.consequences": "Hvis du ikke gjør det",
    "requirement.statutory": "lovpålagt",
    "requirement.contractual": "et krav i avtalen",
    "requirement.contract_prerequisite": "nødvendig for å inngå avtalen",
    "requirement.voluntary": "frivillig",
    "consequence.statutory": "Vi kan ikke gjøre det du ber om, fordi loven krever opplysningene.",
    "consequence.contractual": "Vi kan ikke inngå eller oppfylle avtalen med deg.",
    "consequence.contract_prerequisite": "Vi kan ikke inngå avtalen med deg.",
    "consequence.voluntary": "Ingen konsekvenser for deg.",
    # --- rights ------------------------------------------------------------------------
    "rights.heading": "Dine rettigheter",
    "rights.intro": (
        "Du har disse rettighetene etter personvernforordningen. Det er gratis å bruke dem, "
        "og vi svarer innen én måned (personvernforordningen art. 12 nr. 3)."
    ),
    "rights.how_portal": "Du bruker rettighetene dine i personvernportalen vår: {portal}",
    "rights.how_email": "Send oss en e-post til {email} for å bruke rettighetene dine.",
    "rights.how_none": "Kontakt oss for å bruke rettighetene dine.",
    "rights.identity": (
        "Vi kan be deg bekrefte hvem du er, men aldri om mer enn vi trenger "
        "(personvernforordningen art. 12 nr. 6)."
    ),
    "right.access": "Innsyn (art. 15)",
    "right.access.text": (
        "Du kan spørre om vi behandler opplysninger om deg, og få en kopi av dem sammen med "
        "informasjon om hvordan vi bruker dem."
    ),
    "right.rectification": "Retting (art. 16)",
    "right.rectification.text": (
        "Du kan be oss rette feil opplysninger og supplere ufullstendige opplysninger."
    ),
    "right.erasure": "Sletting (art. 17)",
    "right.erasure.text": (
        "Du kan be oss slette opplysningene dine. Vi beholder bare det loven pålegger oss å "
        "oppbevare, eller det vi trenger for å fastsette, gjøre gjeldende eller forsvare "
        "rettskrav, og bare så lenge det er nødvendig."
    ),
    "right.erasure.laws": "Det gjelder blant annet opplysninger vi må oppbevare etter {laws}.",
    "right.restriction": "Begrensning (art. 18)",
    "right.restriction.text": (
        "Du kan be oss begrense behandlingen, for eksempel mens vi undersøker om "
        "opplysningene er riktige. Da lagrer vi bare opplysningene."
    ),
    "right.objection": "Protest (art. 21)",
    "right.objection.text": (
        "Når vi bygger på berettiget interesse, kan du protestere på grunn av din særlige "
        "situasjon. Da stanser vi behandlingen, med mindre vi har tungtveiende berettigede "
        "grunner til å fortsette. Mot direkte markedsføring, også profilering for dette, kan "
        "du alltid protestere, og da stanser vi."
    ),
    "right.portability": "Dataportabilitet (art. 20)",
    "right.portability.text": (
        "Når behandlingen bygger på samtykke eller avtale, kan du få utlevert opplysningene "
        "du har gitt oss, i et strukturert, alminnelig anvendt og maskinlesbart format, "
        "eller få dem overført til en annen virksomhet."
    ),
    "right.withdraw": "Trekke tilbake samtykke (art. 7 nr. 3)",
    "right.withdraw.text": (
        "Når vi bygger på samtykket ditt, kan du når som helst trekke det tilbake, like "
        "enkelt som du ga det. Det påvirker ikke behandlingen som skjedde før du trakk det."
    ),
    "right.withdraw.how": "Slik trekker du tilbake samtykket for hvert formål:",
    # --- complaint ---------------------------------------------------------------------
    "complaint.heading": "Klage til tilsynsmyndigheten",
    "complaint.text": (
        "Mener du at vi behandler personopplysningene dine i strid med regelverket, kan du "
        "klage til {authority}. Vi setter pris på om du tar kontakt med oss først, så vi kan "
        "prøve å rette det opp."
    ),
    "complaint.any": (
        "Du kan også klage til tilsynsmyndigheten i det EU/EØS-landet der du bor eller "
        "arbeider (personvernforordningen art. 77)."
    ),
    "complaint.none": (
        "Mener du at vi behandler personopplysningene dine i strid med regelverket, kan du "
        "klage til tilsynsmyndigheten i det EU/EØS-landet der du bor eller arbeider, eller "
        "der vi er etablert (personvernforordningen art. 77)."
    ),
    # --- cookies -----------------------------------------------------------------------
    "cookies.heading": "Informasjonskapsler og lignende teknologi",
    "cookies.intro": (
        "Her er informasjonskapslene (cookies) og den lignende teknologien vi bruker, "
        "sortert etter kategori. Du kan når som helst endre valget ditt i innstillingene for "
        "informasjonskapsler på nettsiden vår."
    ),
    "cookies.none": (
        "Vi lister ikke opp informasjonskapsler eller lignende teknologi for nettsiden vår."
    ),
    "cookies.necessary": "Disse er strengt nødvendige og krever ikke samtykke.",
    "cookies.consent": "Disse bruker vi bare hvis du samtykker.",
    "cookies.first_party": "{org} (førstepart)",
    "cookies.session": "til du lukker nettleseren",
    "label.cookie": "Navn",
    "label.provider": "Leverandør",
    "label.cookie_purpose": "Formål",
    "label.duration": "Varighet",
    # --- version -----------------------------------------------------------------------
    "version.heading": "Endringer i erklæringen",
    "version.text": (
        "Vi oppdaterer erklæringen når behandlingen vår endres. Denne versjonen ({version}) "
        "gjelder fra {date}."
    ),
    # --- changes -----------------------------------------------------------------------
    "change.none": "Ingen endringer som påvirker personvernerklæringen.",
    "change.recipient_added": "{name} er lagt til som {role} {where}.",
    "change.recipient_added_nowhere": "{name} er lagt til som {role}.",
    "change.recipient_removed": "{name} er fjernet som mottaker.",
    "change.recipient_role": "{name} er nå {role} (tidligere {old}).",
    "change.recipient_country": "{name} behandler nå opplysningene {where} (tidligere {old}).",
    "change.recipient_transfer": "{name} overfører nå opplysninger med grunnlag i {safeguard}.",
    "change.recipient_transfer_removed": (
        "{name} oppgir ikke lenger noe grunnlag for overføring ut av EU/EØS."
    ),
    "change.purpose_added": "Nytt formål: {purpose}.",
    "change.purpose_removed": "Formålet {purpose} er fjernet.",
    "change.basis": "Behandlingsgrunnlaget for {purpose} er endret fra {old} til {new}.",
    "change.retention_shortened": "Lagringstiden for {purpose} er forkortet fra {old} til {new}.",
    "change.retention_lengthened": (
        "Lagringstiden for {purpose} er forlenget fra {old} til {new}."
    ),
    "change.retention_changed": "Lagringstiden for {purpose} er endret: nå {new}.",
    "change.categories_added": "{purpose} bruker nå også: {categories}.",
    "change.categories_removed": "{purpose} bruker ikke lenger: {categories}.",
    "change.purpose_recipients_added": "{purpose} deler nå opplysninger med {names}.",
    "change.purpose_recipients_removed": "{purpose} deler ikke lenger opplysninger med {names}.",
    "change.cookie_added": "Ny informasjonskapsel: {cookie} ({provider}, {category}).",
    "change.cookie_removed": "Informasjonskapselen {cookie} ({provider}) er fjernet.",
    "change.dpo": "Personvernombudet vårt er nå {dpo}.",
    "change.dpo_removed": "Vi har ikke lenger personvernombud.",
    "change.contact": (
        "Kontaktopplysningene våre er endret: {field} er nå {new} (tidligere {old})."
    ),
    "change.contact_removed": "Kontaktopplysningene våre er endret: {field} {old} er fjernet.",
    "change.controller": "Behandlingsansvarlig er nå {new} (tidligere {old}).",
    "field.email": "e-post",
    "field.phone": "telefon",
    "field.address": "adresse",
    "field.website": "nettside",
    "field.privacy_portal": "personvernportal",
    # --- record of processing ----------------------------------------------------------
    "ropa.title": "Protokoll over behandlingsaktiviteter (personvernforordningen art. 30) – {org}",
    "ropa.key": "Nøkkel",
    "ropa.controller": (
        "(a) Behandlingsansvarlig, felles behandlingsansvarlige, representant, "
        "personvernombud"
    ),
    "ropa.purpose": "(b) Formål",
    "ropa.subjects": "(c) Kategorier av registrerte",
    "ropa.categories": "(c) Kategorier av personopplysninger",
    "ropa.recipients": "(d) Mottakere, også i tredjeland",
    "ropa.transfers": "(e) Overføringer til tredjeland og garantier",
    "ropa.erasure": "(f) Frister for sletting",
    "ropa.security": "(g) Tekniske og organisatoriske sikkerhetstiltak",
    "ropa.legal_basis": "Behandlingsgrunnlag",
    "ropa.source": "Kilde",
    "ropa.not_described": "Ikke beskrevet",
    "ropa.sheet_purposes": "Behandlingsprotokoll",
    "ropa.sheet_recipients": "Mottakere",
    "ropa.name": "Navn",
    "ropa.entity": "Juridisk enhet",
    "ropa.locations": "Lagringssted",
    "ropa.dpa": "Databehandleravtale",
    "ropa.dpa_signed": "signert {date}",
    "ropa.dpa_undated": "ja (udatert)",
    "ropa.dpo": "Personvernombud",
    "ropa.representative": "Representant",
    "ropa.joint": "Felles behandlingsansvarlig",
    "ropa.generated": "Laget fra manifestet, versjon {version}, {date}.",
}

CATEGORIES: dict[str, str] = {
    "user": "personopplysninger",
    "user.name": "navn",
    "user.contact": "kontaktopplysninger",
    "user.contact.email": "e-postadresse",
    "user.contact.address": "adresse",
    "user.contact.phone_number": "telefonnummer",
    "user.behavior": "aktivitet på nettsiden og i tjenestene våre",
    "user.behavior.purchase_history": "ordre- og kjøpshistorikk",
    "user.behavior.browsing_history": "hvilke sider du besøker på nettsiden",
    "user.behavior.search_history": "søkehistorikk",
    "user.payment": "betalingsopplysninger",
    "user.financial": "økonomiske opplysninger",
    "user.financial.credit_card": "kortopplysninger",
    "user.financial.bank_account": "kontonummer",
    "user.device": "opplysninger om enhet og nettleser",
    "user.device.ip_address": "IP-adresse",
    "user.device.cookie_id": "ID-er i informasjonskapsler",
    "user.device.device_id": "enhets-ID",
    "user.unique_id": "kundenummer og andre ID-er",
    "user.authorization": "innloggingsopplysninger",
    "user.authorization.credentials": "innloggingsopplysninger",
    "user.authorization.password": "passord",
    "user.account": "kontoopplysninger",
    "user.account.settings": "kontoinnstillinger og preferanser",
    "user.account.username": "brukernavn",
    "user.content": "innhold du gir oss",
    "user.content.public": "anmeldelser og annet innhold du publiserer",
    "user.content.private": "innhold du deler med oss privat",
    "user.demographic": "demografiske opplysninger",
    "user.demographic.date_of_birth": "fødselsdato",
    "user.demographic.age_range": "alder",
    "user.demographic.gender": "kjønn",
    "user.demographic.profile": "interesser og demografisk profil",
    "user.location": "stedsopplysninger",
    "user.location.imprecise": "omtrentlig posisjon",
    "user.location.precise": "nøyaktig posisjon",
    "user.government_id": "fødselsnummer",
    "user.social": "profil i sosiale medier",
    "user.health_and_medical": "helseopplysninger",
    "user.biometric": "biometriske opplysninger",
}

SUBJECTS: dict[str, str] = {
    "customer": "kunder",
    "visitor": "besøkende på nettsiden",
    "prospect": "potensielle kunder",
    "anonymous_user": "anonyme brukere",
    "employee": "ansatte",
    "job_applicant": "jobbsøkere",
    "supplier_vendor": "leverandører",
    "consultant": "konsulenter",
    "next_of_kin": "pårørende",
}

COUNTRIES: dict[str, str] = {
    "AT": "Østerrike", "BE": "Belgia", "BG": "Bulgaria", "HR": "Kroatia", "CY": "Kypros",
    "CZ": "Tsjekkia", "DK": "Danmark", "EE": "Estland", "FI": "Finland", "FR": "Frankrike",
    "DE": "Tyskland", "GR": "Hellas", "HU": "Ungarn", "IE": "Irland", "IT": "Italia",
    "LV": "Latvia", "LT": "Litauen", "LU": "Luxembourg", "MT": "Malta", "NL": "Nederland",
    "PL": "Polen", "PT": "Portugal", "RO": "Romania", "SK": "Slovakia", "SI": "Slovenia",
    "ES": "Spania", "SE": "Sverige", "IS": "Island", "LI": "Liechtenstein", "NO": "Norge",
    "US": "USA", "GB": "Storbritannia", "CH": "Sveits", "CA": "Canada", "JP": "Japan",
    "IL": "Israel", "KR": "Sør-Korea", "NZ": "New Zealand", "AU": "Australia",
    "IN": "India", "CN": "Kina", "SG": "Singapore", "BR": "Brasil", "AR": "Argentina",
    "UY": "Uruguay", "AE": "De forente arabiske emirater", "UA": "Ukraina",
    "PH": "Filippinene", "EU": "EU", "EEA": "EØS",
}
