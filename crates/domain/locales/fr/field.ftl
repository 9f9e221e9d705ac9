# L'application de terrain hors ligne (crates/instruments/static/field) : tous ses textes.
field-app-title = OpenCPD terrain
field-language = Langue
field-package = Paquet
field-download = Télécharger le paquet
field-downloading = Téléchargement…
field-no-package = Aucun paquet sur cet appareil. Téléchargez-le tant que vous avez une connexion.
field-package-info = Paquet du { $date } : { $schools ->
    [one] { $schools } école
   *[other] { $schools } écoles
}, { $people ->
    [one] { $people } personne
   *[other] { $people } personnes
}, { $instruments ->
    [one] { $instruments } instrument
   *[other] { $instruments } instruments
}.
field-signed-in-as = Connecté en tant que { $name }
field-sign-in-title = Connexion
field-sign-in-intro = Connectez-vous pour télécharger les formulaires, les écoles et les personnes de votre travail.
field-session-ended = Votre session a pris fin : reconnectez-vous pour envoyer ce qui attend dans la boîte d'envoi.
field-username = Nom d'utilisateur
field-password = Mot de passe
field-sign-in = Se connecter
field-signing-in = Connexion…
field-sign-in-offline = La connexion demande d'atteindre le serveur.
field-sign-in-failed = La connexion a échoué ({ $error }).
field-download-failed = Le paquet n'a pas pu être téléchargé ({ $error }).
field-offline = Vous êtes hors ligne.
field-instruments = Instruments
field-no-instruments = Aucun instrument dans le paquet.
field-attachments-missing = Pas de collecte avant le téléversement de ses fichiers sur le serveur : { $files }
field-drafts = Brouillons
field-resume = Reprendre
field-delete = Supprimer
field-subject = Objet du formulaire
field-cohorts = Cohortes
field-sessions-of = Séances de { $cohort }
field-choose = — choisir —
field-schools = Écoles
field-people = Personnes
field-save = Enregistrer dans la boîte d'envoi
field-contacts = Corriger les coordonnées d'une personne
field-contact-person = Personne
field-contact-given_name = Prénom
field-contact-family_name = Nom de famille
field-contact-birth_year = Année de naissance
field-contact-phone = Numéro de téléphone
field-contact-email = Courriel
field-contact-unchanged = Rien n'a été modifié.
field-contact-problem-required = { $field } : une valeur présente ne peut pas être effacée ici.
field-contact-problem-year = { $field } : une année entre 1900 et 2100.
field-contact-problem-phone = { $field } : de 6 à 15 chiffres, avec un + initial facultatif.
field-contact-problem-email = { $field } : ce n'est pas une adresse électronique.
field-contact-save = Enregistrer la modification
field-contact-saved = Enregistrée dans la boîte d'envoi : elle part avec les formulaires.
field-contact-missing = Choisissez d'abord une personne.
field-contact-title = Coordonnées de { $name }
field-conflict-kept = modifiée entre-temps sur le serveur : gardée pour qu'une personne décide
field-cancel = Fermer
field-add = Ajouter
field-remove = Retirer
field-entry = Entrée { $n }
field-confirm = Confirmer
field-locate = Utiliser ma position
field-locate-add = Ajouter ma position
field-locating = Recherche de la position…
field-located = Position trouvée, à { $metres } m près.
field-locate-failed = Pas de position depuis cet appareil ({ $reason }) ; saisissez-la : latitude longitude.
field-location-hint = Latitude et longitude en degrés ; puis l'altitude et la précision en mètres si elles sont connues.
field-meta-no-email = Ce formulaire enregistre votre adresse e-mail, mais votre compte n'en a pas (c'est l'e-mail de la personne liée à votre compte) : elle sera envoyée vide.
field-meta-no-phone = Ce formulaire enregistre votre numéro de téléphone, mais votre compte n'en a pas (c'est le téléphone de la personne liée à votre compte) : il sera envoyé vide.
field-meta-locating-start = Ce formulaire enregistre l'endroit où il a été commencé : recherche de la position…
field-meta-start-place = L'endroit où le formulaire a été commencé est enregistré, à { $metres } m près.
field-meta-no-start-place = Ce formulaire enregistre l'endroit où il a été commencé, mais cet appareil n'a donné aucune position ({ $reason }) : il sera envoyé vide.
field-meta-audit = Ce formulaire garde un journal de sa saisie (quand chaque question est remplie), envoyé avec lui.
field-meta-audit-location = Le journal de ce formulaire enregistre aussi où se trouve l'appareil pendant la saisie.
field-audit-identify = Votre nom ou identifiant : le journal de ce formulaire enregistre qui le remplit.
field-audit-identify-go = Continuer
field-audit-identify-empty = Saisissez votre nom ou identifiant pour remplir ce formulaire.
field-choose-subject = Choisissez l'objet du formulaire : une école, une personne, une cohorte ou une séance.
field-fix-problems = Corrigez ceci avant d'enregistrer :
field-saved = Enregistré dans la boîte d'envoi.
field-file-kept = Gardé sur cet appareil : { $name }
field-pad-sign = Signez dans le cadre ci-dessous avec le doigt, puis gardez la signature.
field-pad-draw = Dessinez dans le cadre ci-dessous avec le doigt, puis gardez le dessin.
field-pad-keep = Garder
field-pad-clear = Effacer
field-pad-empty = Rien n'est encore dessiné.
field-pad-annotate = Prenez ou choisissez une photo, dessinez dessus avec le doigt, puis gardez le dessin.
field-pad-picture = Photo sur laquelle dessiner
field-pad-not-picture = Ce fichier n'est pas une image que l'appareil sait afficher.
field-media-missing = Absent de cet appareil : { $name } (téléchargez à nouveau le paquet en ligne).
field-media-not-downloaded = Des images, sons ou vidéos des formulaires n'ont pas pu être téléchargés ; les formulaires affichent leur nom à la place : { $files }
field-file-lost = Le fichier { $name } n'est plus sur cet appareil : reprenez-le et enregistrez de nouveau le formulaire
field-outbox = Boîte d'envoi
field-sync = Synchroniser
field-clear-sent = Retirer les envoyées
field-counts = { $sent ->
    [one] { $sent } envoyée
   *[other] { $sent } envoyées
}, { $waiting } en attente, { $rejected ->
    [one] { $rejected } refusée
   *[other] { $rejected } refusées
}
field-syncing = Envoi en cours…
field-all-sent = Rien n'est en attente.
field-will-send = Les envois en attente partiront au retour de la connexion.
field-stopped = Envoi interrompu : { $error }. Il sera repris.
field-network-error = pas de connexion au serveur
field-server-error = erreur du serveur { $status }
field-unexpected = réponse inattendue du serveur
field-auth-error = la session a pris fin ; reconnectez-vous
field-status-waiting = en attente
field-status-sending = en cours d'envoi
field-status-sent = envoyée
field-status-rejected = refusée
field-attempts = { $n ->
    [one] { $n } tentative
   *[other] { $n } tentatives
}
field-edit = Corriger et renvoyer
field-unknown-instrument = Cet instrument n'est plus dans le paquet.
field-confirm-delete = Supprimer ? Ceci n'a pas été envoyé.
field-duplicate = déjà sur le serveur
field-visits = Visite de coaching
field-visit-intro = Enregistrer une visite à une personne que vous accompagnez ; elle est envoyée avec les formulaires, et le retour de son observation s'affiche ici une fois envoyée.
field-visit-coachee = Personne accompagnée
field-visit-date = Date de la visite
field-visit-focus = Priorités (standards)
field-visit-observation = Observation faite dans cette application
field-visit-no-observation = Aucune
field-visit-actions = Actions convenues
field-visit-next = Prochaine visite
field-visit-save = Enregistrer la visite
field-visit-saved = Visite enregistrée dans la boîte d'envoi : elle est envoyée avec les formulaires.
field-visit-title = Visite de coaching : { $name }
field-visit-feedback = Retour
field-visit-no-feedback = Aucune observation liée : pas de retour.
field-visit-problem-required = { $field } : obligatoire.
field-visit-problem-date = { $field } : n'est pas une date.
field-visit-problem-future = { $field } : ne peut pas être dans le futur.
field-visit-problem-before-visit = { $field } : ne peut pas être avant la visite.
field-visit-plan = Plan de visites
field-visit-plan-term = Trimestre { $term } : d'abord les personnes non visitées ce trimestre, puis les suivis en retard.
field-visit-plan-unvisited = Pas visitée ce trimestre
field-visit-plan-visits = { $n ->
    [one] { $n } visite ce trimestre
   *[other] { $n } visites ce trimestre
}
field-visit-plan-last = dernière visite le { $date }
field-visit-plan-next = prochaine visite le { $date }
field-visit-plan-overdue = Suivi en retard
field-visit-plan-recorded = Visite enregistrée sur cet appareil
field-visit-plan-record = Enregistrer une visite
field-resent = Corrigé : c'est renvoyé avec les formulaires.
field-stop-correcting = En enregistrer une nouvelle à la place
field-correcting-visit = Correction d'une visite refusée : l'enregistrer la renvoie.
field-correcting-meeting = Correction d'une réunion refusée : l'enregistrer la renvoie.
field-meetings = Réunion de CAP
field-meeting-intro = Enregistrer une réunion d'une CAP que vous animez ou appuyez ; elle est envoyée avec les formulaires.
field-meeting-plc = CAP
field-meeting-date = Date de la réunion
field-meeting-topics = Thèmes (standards)
field-meeting-attendance = Présences
field-meeting-guest = Ajouter un invité
field-meeting-add-guest = Ajouter
field-meeting-guest-mark = invité
field-meeting-carried = Points d'action reportés
field-meeting-carried-point = Point d'action « { $title } »
field-meeting-points = Nouveaux points d'action
field-meeting-add-point = Ajouter un point d'action
field-meeting-notes = Notes
field-meeting-save = Enregistrer la réunion
field-meeting-saved = Réunion enregistrée dans la boîte d'envoi : elle est envoyée avec les formulaires.
field-meeting-title = Réunion de CAP : { $plc }
field-meeting-present = { $n ->
    [one] { $n } présent
   *[other] { $n } présents
}
field-meeting-open = Voir la réunion
field-meeting-due = échéance le { $date }
field-meeting-point-status = À cette réunion
field-meeting-still-open = Toujours ouvert
field-meeting-closed = Clos
field-meeting-none-carried = Aucun point d'action ouvert des réunions précédentes.
field-meeting-point-n = Point d'action { $n }
field-meeting-point-title = Ce qui est à faire
field-meeting-point-owner = Responsable
field-meeting-point-due = Échéance
field-meeting-problem-required = { $field } : obligatoire.
field-meeting-problem-date = { $field } : n'est pas une date.
field-meeting-problem-future = { $field } : ne peut pas être dans le futur.
field-meeting-problem-owner = { $field } : choisissez qui le fera.
field-meeting-role-facilitator = animateur
field-meeting-role-supporting_officer = agent d'appui
field-meeting-role-member = membre
