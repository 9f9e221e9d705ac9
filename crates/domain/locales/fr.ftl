## Où se trouve un problème
at-row = ligne { $row }
at-column = colonne { $column }

## Problèmes de saisie (problem-<code>)
problem-required = une valeur est obligatoire
problem-bad-choice = { $value } n'est pas l'une des valeurs : { $allowed }
problem-bad-code = { $value } n'est pas un code valide (lettres, chiffres, - _ / . sans espace, 40 au plus)
problem-too-long = la valeur est trop longue ({ $max } caractères au plus)
problem-unknown-subject = aucune matière n'a le code { $value }
problem-password-common = ce mot de passe est parmi les plus souvent choisis : choisissez-en un autre
problem-password-is-name = le mot de passe ne doit pas être le nom du compte
problem-password-wrong = le mot de passe actuel n'est pas le bon
problem-token-expiry = indiquez un nombre de jours de 1 à { $max }, ou aucun pour un jeton qui n'expire pas
problem-bad-character = le texte contient le caractère { $character } (caractère de contrôle ou qui change le sens de l'écriture), interdit dans les noms et les titres
problem-nul-character = le texte contient un caractère NUL (U+0000), qu’aucun texte ne peut contenir
problem-invisible-only = le texte ne contient que des caractères invisibles (comme des espaces sans largeur)
problem-bad-date = { $value } n'est pas une date écrite AAAA-MM-JJ
problem-bad-coordinate = { $value } n'est pas une coordonnée entre -{ $limit } et { $limit }
problem-bad-email = { $value } n'est pas une adresse électronique
problem-bad-phone = { $value } n'est pas un numéro de téléphone
problem-bad-year = { $value } n'est pas une année entre 1900 et 2100
problem-bad-country = { $value } n'est pas un code pays à deux lettres comme RW ou CM
problem-bad-number = { $value } n'est pas un nombre
problem-duplicate-column = la colonne apparaît deux fois
problem-unknown-column = colonne inconnue ; colonnes attendues : { $expected }
problem-missing-column = la colonne manque
problem-no-rows = le fichier a un en-tête mais aucune ligne de données
problem-too-many-problems = { $total } problèmes trouvés ; les { $max } premiers sont listés
problem-duplicate-in-file = { $value } figure déjà à la ligne { $first } de ce fichier
problem-own-parent = une unité ne peut pas être son propre parent
problem-both-coordinates = indiquez la latitude et la longitude, ou aucune des deux
problem-school-or-unit = indiquez un school_code ou un unit_code, pas les deux ni aucun
problem-role-needs-school = le rôle { $role } s'exerce dans une école : indiquez un school_code
problem-ends-before-start = le poste se termine avant de commencer ({ $start })
problem-empty-file = le fichier est vide (0 octet)
problem-not-a-table = le fichier n'est pas un tableau CSV ou XLSX : { $detail }
problem-too-many-columns = la ligne a { $count } colonnes ; au plus { $max } sont lues
problem-line-too-long = une ligne du fichier dépasse { $max }, ce qu’aucun tableau ne fait
problem-too-many-rows = le fichier a plus de { $max } lignes
problem-too-many-cells = le fichier a plus de { $max } cellules
problem-sheet-too-many-columns = la feuille { $sheet } a une cellule dans la colonne { $value } ; au plus { $max } colonnes sont lues
problem-sheet-too-many-rows = la feuille { $sheet } a plus de { $max } lignes
problem-sheet-too-many-cells = le classeur a plus de { $max } cellules (feuille { $sheet })
problem-workbook-too-large = le classeur décompressé dépasse { $max } Mo
problem-workbook-file-too-large = le classeur dépasse { $max } Mo
problem-workbook-grid-too-large = les feuilles de ce classeur .xls couvrent { $cells } cellules de la première à la dernière ; au plus { $max } sont lues ; enregistrez-le en .xlsx
problem-workbook-shared-strings-too-large = les textes partagés du classeur décompressés dépassent { $max } Mo
problem-workbook-compression-ratio = la partie { $value } du classeur se décompresse en { $ratio } fois sa taille compressée (au plus { $max }) : elle est refusée comme bombe zip
problem-bad-encoding = le fichier n'est pas en UTF-8 ; enregistrez-le en « CSV UTF-8 »
problem-unsupported-format = les fichiers .{ $value } ne peuvent pas être importés ; utilisez .csv ou .xlsx
problem-ragged-row = la ligne a { $found } cellules mais l'en-tête en a { $expected }
problem-unknown-unit = aucune unité n'a le code { $value }
problem-unknown-parent = aucune unité n'a le code { $value }, ni dans la base ni plus haut dans ce fichier
problem-unknown-level = { $value } n'est pas un niveau de { $country } ; niveaux : { $allowed }
problem-wrong-level = une unité de niveau { $level } doit se trouver sous une unité de niveau { $expected }
problem-unknown-school = aucune école n'a le code { $value }
problem-unknown-person = aucune personne n'a le matricule { $value }
problem-exists = { $value } existe déjà
problem-no-update = les fichiers { $kind } ne font qu'ajouter des enregistrements : ils ne peuvent pas les mettre à jour
problem-unit-moved = l'unité a { $was } ici : une mise à jour ne déplace pas une unité et ne change pas son niveau (modifiez l'unité pour cela)
problem-out-of-scope = { $value } est hors de votre périmètre
problem-not-found = introuvable
problem-forbidden = vous n'êtes pas autorisé à faire cela
problem-row-level-export = les exports ligne par ligne sont réservés aux administrateurs système et aux responsables nationaux ; lisez plutôt le résumé par question : { $summary }
problem-export-unknown-language = { $value } n’est pas une langue de ce formulaire ; il a : { $languages }
problem-bad-request = la requête n'est pas valide : { $detail }
problem-unknown-field = { $value } n'est pas un champ de cette requête
problem-bad-credentials = nom d'utilisateur ou mot de passe incorrect
problem-throttled = trop de tentatives échouées ; attendez { $seconds } secondes
problem-csrf = le formulaire a expiré ; rechargez la page et réessayez
problem-login-required = veuillez vous connecter
problem-body-too-large = le corps de la requête dépasse ce que cette adresse accepte ({ $limit })
problem-busy = le serveur lit trop de grosses requêtes ; réessayez dans { $seconds } secondes
problem-too-short = trop court ({ $min } caractères au moins)
problem-conflict = cela contredit des données existantes : { $detail }
problem-no-database = il n'y a pas de base de données à { $database } ; donnez le bon --db (ou OPENCPD_DB), ou créez-en une avec opencpd serve, opencpd demo ou opencpd restore
problem-not-a-database = { $database } n'est pas une base de données OpenCPD (pas un fichier SQLite) ; donnez le bon --db (ou OPENCPD_DB)
problem-no-file = le fichier { $file } n'existe pas
problem-file-exists = { $file } existe déjà ; choisissez un nouveau nom de fichier
problem-not-a-backup = { $file } n'est pas une sauvegarde OpenCPD
problem-backup-damaged = { $file } échoue au contrôle d'intégrité de SQLite : { $detail }
problem-backup-file-damaged = la sauvegarde { $file } contient une copie abîmée du fichier { $sha256 } ({ $detail }) ; rien n'a été changé
problem-database-in-use = { $database } est utilisée par un serveur ou une commande OpenCPD en cours (fichier de verrou { $lock }, pris en dernier par le processus { $process }) ; arrêtez-le, puis réessayez
problem-database-being-restored = { $database } est en cours de restauration par le processus { $process } (fichier de verrou { $lock }) ; réessayez une fois la restauration terminée
problem-database-connected = la base PostgreSQL { $database } a { $count } autres connexions (processus { $processes }) ; arrêtez les serveurs et commandes qui l'utilisent, puis restaurez
problem-log-left = le journal d'écriture anticipée de { $database } n'a pas pu y être recopié ; un autre programme utilise-t-il la base ?

## Navigation et pages
people-title = Personnes
schools-title = Écoles
nav-registry = Écoles et personnes
nav-home = Accueil
nav-indicators = Indicateurs
nav-import = Importer
nav-users = Utilisateurs
nav-audit = Journal d'audit
nav-logout = Se déconnecter
error-title = Quelque chose ne va pas
login-title = Connexion à OpenCPD
login-username = Nom d'utilisateur
login-password = Mot de passe
login-submit = Se connecter
home-title = Accueil
home-welcome = Bienvenue, { $name }
home-roles = Vos rôles
home-browse = Parcourir
home-my-cpd = Ma formation continue en { $year }
home-hours-of = heures sur { $threshold } attendues
home-credits-of = crédits sur { $threshold } attendus
home-certificates = { $count ->
    [one] certificat
   *[other] certificats
  }
home-below-threshold = Votre formation continue de cette année est sous le seuil de votre fonction.
home-open-record = Mon dossier de formation continue
home-open-field = Enquêtes et formulaires à remplir (application de terrain)
home-next-sessions = Mes prochaines séances
home-no-sessions = Aucune séance n'est prévue pour vous.
home-school-data = Les données des élèves de l'école
home-staff-cpd = Le personnel et sa formation continue en { $year }
home-staff-below = { $below } sur { $total } sous le seuil de leur fonction
home-below = Sous le seuil
home-on-track = En bonne voie
home-to-answer = Questionnaires à remplir
home-survey = Questionnaire
home-survey-about = Sur
home-answer = Remplir dans l'application de terrain
home-nothing-to-answer = Rien à remplir pour l'instant.
home-plan = Plan d'amélioration
home-no-plan = Pas encore de plan d'amélioration.
home-write-plan = Rédiger le plan de l'année
home-visits-term = Visites d'accompagnement ce trimestre ({ $term })
home-visits-year = Visites d'accompagnement en { $year }
home-next-visit = Prochaine visite prévue : { $date } ({ $name })
home-no-next-visit = Aucune visite prévue pour l'instant.
home-visit-coachee = Personne visitée
home-visit-coach = Accompagnateur
home-visit-next = Prochaine visite
home-no-visits = Pas encore de visite.
count-schools = écoles
count-staff = personnels en poste
count-units = unités administratives
unit-schools = Écoles
unit-search = Chercher par nom ou code
unit-search-go = Chercher
unit-no-schools = Aucune école ici.
school-staff = Personnel
school-women = { $n ->
    [one] une femme
   *[other] { $n } femmes
}
school-no-staff = Aucun personnel enregistré.
person-positions = Postes
person-current = aujourd'hui
pager-previous = Précédente
pager-next = Suivante
pager-page = page { $page }
import-title = Importer
import-intro = Déposez un fichier CSV ou XLSX. Une importation est tout ou rien : si une ligne pose problème, rien n'est écrit et chaque problème est listé avec sa ligne et sa colonne.
import-kind = Contenu du fichier
import-file = Fichier
import-dry-run = Vérifier seulement (essai) : ne rien écrire
import-submit = Envoyer
import-templates = Modèles
import-report = Rapport d'importation
import-done = { $created } enregistrements importés.
import-dry-ok = Les { $rows } lignes sont valides. Rien n'a été écrit (essai).
import-failed = { $problems ->
    [one] Un problème
   *[other] { $problems } problèmes
} dans { $rows ->
    [one] une ligne
   *[other] { $rows } lignes
}. Rien n'a été écrit.
import-update = Mettre à jour les enregistrements qui existent (même code ou matricule) : une cellule vide laisse la valeur telle quelle
import-update-done = { $added ->
    [0] Aucun enregistrement ajouté
    [one] Un enregistrement ajouté
   *[other] { $added } enregistrements ajoutés
}, { $updated ->
    [0] aucun mis à jour
    [one] un mis à jour
   *[other] { $updated } mis à jour
}, { $unchanged ->
    [0] aucun inchangé
    [one] un inchangé
   *[other] { $unchanged } inchangés
}.
import-update-dry-ok = Toutes les lignes sont valides : { $added ->
    [0] aucun enregistrement ne serait ajouté
    [one] un enregistrement serait ajouté
   *[other] { $added } enregistrements seraient ajoutés
}, { $updated ->
    [0] aucun mis à jour
    [one] un mis à jour
   *[other] { $updated } mis à jour
}, { $unchanged ->
    [0] aucun laissé tel quel
    [one] un laissé tel quel
   *[other] { $unchanged } laissés tels quels
}. Rien n'a été écrit (essai).
import-changes = Modifications
import-change = ligne { $row }, { $key } : { $field } { $before } → { $after }
import-more-changes = { $total } modifications ; les { $max } premières sont listées
users-title = Utilisateurs
users-add = Ajouter un utilisateur
users-created = Utilisateur { $username } créé.
users-password-reset = Le mot de passe de { $username } a été défini ; ses sessions ont pris fin.
users-reset-password = Définir un nouveau mot de passe
nav-account = Mon compte
account-title = Mon compte
account-password = Mot de passe
account-current-password = Mot de passe actuel
account-new-password = Nouveau mot de passe
account-change-password = Changer le mot de passe
account-password-rule = Au moins { $min } caractères, pas un mot de passe courant ni le nom de votre compte. Vos autres sessions prennent fin quand vous le changez.
account-password-changed = Votre mot de passe a été changé ; vos autres sessions ont pris fin.
account-tokens = Jetons d'API
account-tokens-help = Un jeton permet à un script ou à un autre système d'agir en votre nom par l'API. Donnez à chacun son nom et révoquez-le quand il ne sert plus.
account-no-tokens = Vous n'avez aucun jeton d'API.
account-token-created = Créé le
account-token-expires = Expire le
account-token-never = jamais
account-token-active = actif
account-token-expired = expiré
account-token-revoked = révoqué
account-token-revoke = Révoquer
account-token-name-hint = p. ex. export hebdomadaire vers le SIGE
account-token-days = Valable combien de jours (1 à { $max } ; vide : jusqu'à révocation)
account-token-create = Créer un jeton
account-token-secret = Votre nouveau jeton est ci-dessous. Copiez-le maintenant : il n'est montré que cette fois.
account-token-revoked-done = Le jeton a été révoqué.
users-active = actif
users-disabled = désactivé
users-disable = Désactiver
users-enable = Réactiver
users-language = Langue
users-scope = Périmètre (code d'unité, code d'école ou matricule)
users-scope-hint = Tapez une partie d'un nom : une unité pour les responsables, formateurs et évaluateurs, une école pour les chefs d'établissement et les mentors, une personne pour les enseignants. Laissez vide pour tout le déploiement.
audit-title = Journal d'audit
audit-when = Quand
audit-actor = Qui
audit-action = Action
audit-entity = Quoi
audit-summary = Modification
audit-filter = Filtrer
audit-details = Avant et après
audit-before = Avant
audit-after = Après

## Noms de colonnes
col-name = Nom
col-code = Code
col-level = Niveau
col-ownership = Statut
col-subsystem = Sous-système
col-place = Lieu
col-location = Position
col-staff-number = Matricule
col-sex = Sexe
col-role = Rôle
col-since = Depuis
col-from = Du
col-to = Au
col-birth-year = Année de naissance
col-phone = Téléphone
col-email = Courriel
col-row = Ligne
col-column = Colonne
col-value = Valeur
col-problem = Problème
col-key = Clé
col-field = Champ
col-before = Avant
col-after = Après
col-clusters = Grappes
col-state = État

## Vocabulaire
kind-units = Unités administratives
kind-schools = Écoles
kind-people = Personnes
kind-positions = Postes
sex-F = Femme
sex-M = Homme
level-pre_primary = Préscolaire
level-primary = Primaire
level-secondary = Secondaire
level-basic = Fondamental (12YBE)
level-tvet = Enseignement technique
level-ttc = École normale
ownership-public = Public
ownership-government_aided = Conventionné
ownership-private = Privé
subsystem-anglophone = Anglophone
subsystem-francophone = Francophone
subsystem-bilingual = Bilingue
role-system_admin = Administrateur système
role-national_officer = Responsable national
role-district_officer = Responsable de district
role-sector_officer = Responsable de secteur
role-school_leader = Chef d'établissement
role-mentor = Mentor
role-teacher = Enseignant
role-facilitator = Formateur
role-evaluator = Évaluateur
position-teacher = Enseignant
position-head_teacher = Directeur d'école
position-deputy_head = Directeur adjoint
position-school_based_mentor = Mentor scolaire
position-subject_leader = Responsable de discipline
position-cluster_lead = Responsable de grappe
position-sector_education_officer = Responsable de l'éducation du secteur
position-district_education_officer = Responsable de l'éducation du district
position-national_leader_of_learning = Leader national de l'apprentissage
position-local_leader_of_learning = Leader local de l'apprentissage
position-master_trainer = Formateur principal
position-facilitator = Formateur
position-tutor = Tuteur

## Configuration du registre
problem-bad-level = { $value } n'est pas un niveau écrit clé:nom anglais:nom français
problem-levels-in-use = des unités occupent déjà { $depth } niveaux ; indiquez-en au moins autant

## Forms
problem-form-not-a-workbook = { $value } n'est pas un classeur Excel ; déposez le XLSForm au format .xlsx ou .xls
problem-form-unreadable = le classeur est illisible : { $detail }
problem-form-missing-sheet = le classeur n'a pas de feuille { $value }
problem-form-no-questions = la feuille survey ne contient aucune question
problem-form-unsupported-setting = le paramètre { $column } n'est pas pris en charge ; laissez-le vide
problem-form-unsupported-column = cette colonne n'est pas prise en charge ici ; laissez-la vide ({ $value })
problem-form-unsupported-type = { $value } n'est pas un type de question pris en charge par OpenCPD
problem-form-unsupported-appearance = l'apparence { $value } demande une fonction de l'appareil ou un module qu'OpenCPD ne prend pas en charge
problem-form-unsupported-function = la fonction { $function }() n'est pas prise en charge, dans { $value }
problem-form-unsupported-path = le chemin { $path } n'est pas pris en charge, dans { $value } ; désignez une question par son nom entre dollar et accolades
problem-form-bad-expression = { $value } n'est pas une expression valide (l'erreur est au caractère { $position })
problem-form-bad-arguments = la fonction { $function }() reçoit un mauvais nombre d'arguments, dans { $value }
problem-form-bad-pattern = { $pattern } n'est pas une expression régulière valide, dans { $value }
problem-form-duplicate-choice = le choix { $value } figure déjà dans cette liste à la ligne { $first }
problem-form-duplicate-name = le nom { $value } est déjà utilisé à la ligne { $first }
problem-form-mismatched-end = { $value } ne ferme pas le groupe ou la répétition ouvert à la ligne { $begin }
problem-form-unexpected-end = { $value } n'a aucun groupe ni aucune répétition à fermer
problem-form-unclosed-group = { $value } { $name } n'est jamais fermé
problem-form-bad-name = { $value } n'est pas un nom valide : commencez par une lettre ou _, puis utilisez des lettres, des chiffres, _ - ou .
problem-form-bad-parameters = { $value } ne sont pas des paramètres d'intervalle valides : écrivez start=… end=… step=… avec start inférieur à end et un pas positif
problem-form-not-scorable = seules les questions à choix, entières, décimales et à intervalle peuvent être notées ({ $value })
problem-form-missing-max-score = cette question compte pour { $value } : indiquez son max_score
problem-form-unknown-reference = { $name } n'est le nom d'aucun élément de ce formulaire, dans { $value }
problem-form-missing-choices = la liste de choix { $value } ne figure pas sur la feuille choices
problem-form-no-scores = cette question compte pour { $value } mais aucun choix de la liste { $list } n'a de points
problem-form-bad-answers = les réponses doivent être un objet JSON de noms et de valeurs, pas { $value }
problem-form-unknown-answer = le formulaire n'a aucun élément de ce nom
problem-form-bad-repeat = une répétition se remplit avec une liste d'objets, pas { $value }
problem-form-bad-answer = { $value } n'est pas une réponse valide à cette question
problem-form-bad-integer = { $value } n'est pas un nombre entier
problem-form-bad-time = { $value } n'est pas une heure écrite HH:MM ou HH:MM:SS
problem-form-bad-datetime = { $value } n'est pas une date et heure écrite AAAA-MM-JJTHH:MM:SS
problem-form-no-answer-expected = cet élément est affiché ou calculé par le formulaire et n'attend pas de réponse
problem-form-not-relevant = cette question ne s'applique pas ici et ne peut donc pas avoir de réponse ({ $value })
problem-form-repeat-count = { $value } entrées données, { $expected } attendues
problem-form-required = { $message }
problem-form-constraint = { $value } ne respecte pas la condition { $constraint }
problem-form-constraint-message = { $message } ({ $value })
problem-form-out-of-range = { $value } n'est pas compris entre { $start } et { $end } par pas de { $step }
problem-form-score-out-of-range = { $value } n'est pas un score compris entre 0 et { $max }
problem-form-filtered-choice = { $value } n'est pas proposé ici (filtre de choix { $filter })
unit-search-hint = { $n ->
    [one] Une école se trouve en dessous : cherchez-la, ou ouvrez une unité ci-dessus.
   *[other] { $n } écoles se trouvent en dessous : cherchez-en une, ou ouvrez une unité ci-dessus.
}
problem-form-bad-default = la valeur par défaut { $value } n'est pas une réponse valide à cette question

## Instruments et soumissions
problem-bad-uuid = { $value } n'est pas un UUID
problem-unknown-instrument = aucun instrument n'a l'identifiant { $value }
problem-retired-instrument = l'instrument { $value } est retiré et ne prend plus de soumissions
nav-instruments = Instruments
nav-field = Application de terrain
instruments-title = Instruments
instruments-version = Version
instruments-kind = Type
instruments-submissions = Soumissions
instruments-retired = retiré
instruments-in-use = en usage
instruments-none = Aucun instrument pour l'instant.
instruments-publish = Publier un instrument
instruments-publish-intro = Déposez un XLSForm (.xlsx ou .xls) tel qu'écrit pour ODK, Kobo ou SurveyCTO. Un formulaire qui utilise une fonction non prise en charge est refusé, et chaque problème est listé avec sa feuille, sa ligne et sa colonne.
instruments-publish-attachments = Fichiers que nomme le formulaire (CSV, images, sons), si vous les avez maintenant ; les autres peuvent être téléversés ensuite
instruments-published = { $name } publié.
instruments-refused = { $problems ->
    [one] Un problème : rien n'a été publié.
   *[other] { $problems } problèmes : rien n'a été publié.
}
instruments-languages = Langues
instruments-export = Exporter les soumissions
instruments-export-labels = Libellés en
instruments-export-names = noms (XML)
instruments-export-format = Format
instruments-export-csv = CSV (un zip d’un fichier par table quand le formulaire a des répétitions)
instruments-export-tables = Chaque répétition est une table, reliée à sa soumission par _uuid et à son parent par _index.
instruments-items = Éléments
instruments-question = Question
instruments-type = Type
instruments-domain = Domaine
instruments-rules = Règles
instruments-required = obligatoire
instruments-relevant = posée si
instruments-constraint = valide si
instruments-retire = Retirer cette version
instruments-retire-intro = Une version retirée ne prend plus de soumissions ; celles enregistrées restent.
instruments-attachments = Fichiers du formulaire
instruments-attachments-missing = Ce formulaire est publié mais ne peut pas être collecté avant le téléversement de ces fichiers : { $files }
instruments-attachment-size = Taille (octets)
instruments-attachment-present = Téléversé
instruments-attachment-missing = Manquant
instruments-attachment-name = Fichier que nomme le formulaire
instruments-attachment-upload = Téléverser le fichier
instrument-kind-survey = Enquête
instrument-kind-test = Test
instrument-kind-observation = Observation
instrument-kind-needs_assessment = Analyse des besoins
instrument-kind-checklist = Liste de contrôle

## Formation continue : programmes, cours, cohortes, présences, certificats, parcours
problem-already-applied = cette personne a déjà postulé à { $cohort } et attend une décision
problem-already-certified = un certificat valide ({ $value }) a déjà été délivré pour cette inscription
problem-already-decided = cette candidature a déjà été traitée ({ $value })
problem-already-enrolled = { $value } est déjà inscrit(e) dans { $cohort }
problem-already-revoked = le certificat { $value } est déjà révoqué
problem-bad-currency = { $value } n'est pas un code de devise à trois lettres comme RWF, XAF ou USD
problem-bad-score = { $value } n'est pas une note comprise entre 0 et { $max }
problem-duplicate-mark = { $value } figure deux fois (d'abord en position { $first })
problem-missing-prerequisite = { $value } n'a pas terminé le cours prérequis { $courses }
problem-not-completed = { $value } n'a pas terminé le cours : aucun certificat ne peut être délivré
problem-not-enrolled = { $value } n'est pas inscrit(e) dans { $cohort }
problem-not-positive = { $value } doit être supérieur à zéro
problem-out-of-range = { $value } n'est pas compris entre 0 et { $max }
problem-outside-cohort-dates = { $value } est en dehors des dates de la cohorte (du { $start } au { $end })
problem-over-capacity = { $value } compte { $capacity } places dont { $enrolled } prises : { $adding } de plus ne tiennent pas
problem-reason-required = indiquez un motif
problem-score-above-max = { $value } dépasse la note maximale de { $max }
problem-session-in-future = cette séance est à venir ({ $value }) : les présences se prennent le jour même ou après
problem-unknown-assessment = le cours n'a pas d'évaluation { $value } ; évaluations : { $allowed }
problem-unknown-certificate = aucun certificat ne porte ce code ; vérifiez-le et réessayez
problem-unknown-course = aucun cours n'a le code { $value }
problem-unknown-module = le cours n'a pas de module { $value }
problem-unknown-programme = aucun programme n'a le code { $value }
problem-unknown-event = aucune activité de sensibilisation que vous pouvez consulter n'a l'identifiant { $value }
problem-unknown-session = la cohorte { $cohort } n'a pas de séance le { $value }
problem-unknown-standard = { $value } n'est pas une norme professionnelle (SL1 à SL5, ou référentiel:code)
nav-delivery = Programmes
col-date = Date
delivery-programmes = Programmes
delivery-courses = Cours
delivery-course = Cours
delivery-cohorts = Cohortes
delivery-none = Aucun pour l'instant.
delivery-funder = Bailleur
delivery-budget = Budget
delivery-period = Période
delivery-pillars = Axes
delivery-targets = Cibles
delivery-target = Cible
delivery-measure = Compte
delivery-target-value = Cible
delivery-achieved = Atteint
delivery-due = Échéance
delivery-reach = Couverture
delivery-split-by = Ventiler par
delivery-level = Niveau administratif
delivery-show = Afficher
delivery-total = Total
delivery-kind = Type
delivery-modality = Modalité
delivery-hours = Heures
delivery-credits = Crédits
delivery-accrediting-body = Organisme d'accréditation
delivery-prerequisites = Prérequis
delivery-completion-rule = Règle d'achèvement
delivery-rule = au moins { $pct } % des séances suivies
delivery-rule-passed = toutes les évaluations réussies
delivery-rule-grade = note finale d'au moins { $grade }
delivery-modules = Modules
delivery-module = Module
delivery-standards = Normes professionnelles
delivery-assessments = Évaluations
delivery-assessment = Évaluation
delivery-max-score = Maximum
delivery-pass-score = Seuil de réussite
delivery-enrolled-of = Inscrits / places
delivery-capacity = Places prises
delivery-facilitators = Formateurs
delivery-funnel = Entonnoir d'achèvement
delivery-attended-enough = présents à au moins { $pct } %
delivery-sessions = Séances
delivery-session = Séance
delivery-marked = Pointés
delivery-mark = Faire l'appel
delivery-add-session = Ajouter une séance
delivery-session-added = Séance du { $date } ajoutée.
delivery-participants = Participants
delivery-attendance = Présence %
delivery-grade = Note finale
delivery-completed = Terminé
delivery-enrol = Inscrire
delivery-enrol-file = Inscrire à partir d'un fichier de matricules (CSV ou XLSX, colonne staff_number)
delivery-enrolled-one = { $name } est inscrit(e).
delivery-applications = Candidatures
delivery-status = Statut
delivery-reason = Motif
delivery-approve = Accepter
delivery-reject = Refuser
delivery-certificates = Certificats
delivery-serial = Numéro de série
delivery-issued = Délivré le
delivery-expires = Expire le
delivery-revoked-on = Révoqué le
delivery-holder = Titulaire
delivery-issue-certificates = Délivrer un certificat à tous ceux qui ont terminé
delivery-certificates-issued = { $n ->
    [one] Un certificat délivré.
   *[other] { $n } certificats délivrés.
}
delivery-marked-one = pointé
delivery-marked-summary = { $n } pointés
delivery-save-marks = Enregistrer les présences de { $n }
delivery-markok = { $n } présences enregistrées ; { $attended } présents.
application-pending = En attente
application-approved = Acceptée
application-rejected = Refusée
certificate-issued = Délivré
certificate-valid = Certificat valide
certificate-expired = Certificat expiré
certificate-revoked = Certificat révoqué
course-kind-diploma = Diplôme
course-kind-certificate = Certificat
course-kind-short_training = Formation courte
modality-face_to_face = Présentiel
modality-online = En ligne
modality-blended = Hybride
measure-enrolled = Inscrits
measure-completed = Ont terminé
measure-certified = Certifiés
dimension-sex = Sexe
dimension-role = Fonction
dimension-unit = Unité administrative
dimension-ownership = Statut de l'école
dimension-subsystem = Sous-système
verify-title = Vérifier un certificat
verify-code = Code de vérification
verify-check = Vérifier
record-title = Parcours de formation continue
record-years = Par année
record-year = Année
record-below = Sous le seuil en { $year } : { $hours } heures et { $credits } crédits par an sont attendus.
record-meets = Seuil atteint en { $year } ({ $hours } heures et { $credits } crédits par an).
problem-unknown-cohort = aucune cohorte n'a le code { $value }
delivery-new-cohort = Ouvrir une cohorte
delivery-unit-code = Code de l'unité (celle du lieu de formation)
delivery-venue = Lieu
delivery-places = Places
delivery-open-cohort = Ouvrir la cohorte
delivery-revoke = Révoquer
delivery-reissue = Rééditer
delivery-revoked = Certificat { $serial } révoqué.
delivery-reissued = Certificat réédité sous le numéro { $serial }.
delivery-applied = Candidature à { $cohort } envoyée.
apply-title = Postuler à une formation
apply-cohort-code = Code de la cohorte
apply-motivation = Pourquoi cette formation (facultatif)
apply-submit = Postuler
delivery-funnels = Entonnoir d'achèvement par cohorte
delivery-funnels-shown = Les { $shown } premières cohortes sur { $total }, par code : les fichiers CSV et XLSX les contiennent toutes.
delivery-attended = Assez présents
below-title = Sous le seuil de formation continue en { $year }
below-threshold = { $hours } heures et { $credits } crédits par an
below-no-thresholds = Aucun seuil de formation continue n'est fixé pour les fonctions.
below-first = Les { $n } premiers sont affichés.
nav-conflicts = Conflits
conflicts-title = Modifications en conflit
conflicts-intro = Modifications faites hors ligne sur des fiches que quelqu'un d'autre a changées entre-temps. Rien n'a été écrasé : décidez quelle valeur retenir.
conflicts-field = Champ
conflicts-when-read = Lue par l'appareil
conflicts-now = Actuelle
conflicts-proposed = Proposée depuis le terrain
conflicts-apply = Retenir la valeur proposée
conflicts-discard = Garder la valeur actuelle
conflicts-none = Aucune modification en conflit n'attend.

# Submissions about sessions and cohorts; field edits beyond the phone
problem-not-participant = { $kind ->
    [session] aucune session { $value } que vous animez ou à laquelle vous êtes inscrit
   *[other] aucune cohorte { $value } que vous animez ou à laquelle vous êtes inscrit
}
col-given-name = Prénom
col-family-name = Nom de famille

# Outreach events, resources, awards, cohort edits and withdrawals, small-cell suppression
problem-negative = { $value } est inférieur à zéro
problem-school-not-in-unit = l'école { $value } n'est pas dans l'unité { $unit }
problem-place-or-medium = indiquez un lieu (school_code ou unit_code) ou, pour une émission, un média
problem-national-event = un événement sans lieu concerne tout le déploiement : seuls les gestionnaires de programmes l'enregistrent ; indiquez un school_code ou un unit_code
problem-in-future = { $value } est dans le futur
problem-before-from = { $value } est avant { $from }, le début de la période
problem-check-before-delivery = la vérification ({ $value }) est datée d'avant la livraison ({ $delivered })
problem-capacity-below-enrolled = { $value } places, c'est moins que les { $enrolled } personnes inscrites ; retirez d'abord des personnes ou gardez au moins { $enrolled } places
problem-already-withdrawn = { $value } a déjà été retiré(e) le { $date }
problem-withdrawn-before-enrolment = { $value } est antérieur à l'inscription ({ $enrolled })
problem-not-withdrawn = { $value } n'est pas retiré(e)
delivery-programme = Programme
measure-outreach_participants = Participants aux activités de sensibilisation
measure-schools_reached = Écoles atteintes
outreach-title-page = Activités de sensibilisation
outreach-list = Toutes les activités de ce programme
outreach-kind = Type d'activité
outreach-title = Titre
outreach-place = Lieu ou média
outreach-school-code = Code de l'école
outreach-unit-code = Code de l'unité
outreach-medium = Média de diffusion
medium-radio = Radio
medium-tv = Télévision
medium-online = En ligne
outreach-audience = Audience estimée
outreach-participants = Participants
outreach-learners = Élèves
outreach-teachers = Enseignants
outreach-parents = Parents
outreach-officials = Responsables
outreach-others = Autres
outreach-schools-reached = Écoles atteintes
outreach-schools-hint = Codes des écoles, séparés par des espaces ou des virgules
outreach-schools = Écoles
outreach-notes = Remarques
outreach-events = activités
outreach-national = Tout le déploiement
outreach-new = Enregistrer une activité
outreach-record = Enregistrer l'activité
outreach-edit = Modifier l'activité
outreach-save = Enregistrer les modifications
outreach-saved = { $title } enregistré.
outreach-kind-line = { $events } activités, { $participants } participants
resource-title = Ressources livrées
resource-kind = Ressource
resource-quantity = Quantité
resource-description = Description
resource-delivered = Livré le
resource-state = État
resource-checks = Vérifications
resource-checked-by = Vérifié par
resource-never-checked = Pas encore vérifié
resource-record = Enregistrer la livraison
resource-record-title = Enregistrer une livraison à cette école
resource-record-check = Enregistrer la vérification
resource-check-recorded = Vérification enregistrée.
resource-smart_classroom = Classe numérique
resource-science_kit = Kit de sciences
resource-maths_kit = Kit de mathématiques
resource-tablets = Tablettes
resource-laptops = Ordinateurs portables
resource-projector = Projecteur
resource-library_books = Livres de bibliothèque
resource-textbooks = Manuels scolaires
resource-lab_equipment = Matériel de laboratoire
resource-solar_power = Énergie solaire
resource-other = Autre
delivery-state-complete = complet
delivery-state-incomplete = incomplet
delivery-state-damaged = endommagé
check-state-in_use = Utilisé
check-state-partly_in_use = Partiellement utilisé
check-state-not_in_use = Non utilisé
check-state-broken = En panne
check-state-missing = Manquant
award-title = Distinctions
award-name = Distinction
award-category = Catégorie
award-body = Décerné par
award-record = Enregistrer la distinction
award-recorded = Distinction « { $name } » enregistrée.
report-suppression = Les effectifs de 1 à moins de { $n } sont affichés « <{ $n } », et un effectif de plus est masqué (« x ») s'il permettait de les retrouver ; les totaux sont exacts sauf s'ils sont eux-mêmes inférieurs à { $n }.
summary-title = Résumé des réponses
summary-link = Résumé par question
summary-submissions = Soumissions
summary-answered = Réponses
summary-choice = Choix
summary-overall = Tous
summary-by-sex = Par sexe
summary-by-unit = Par unité
summary-none = Aucune question à choix n'a encore reçu de réponse.
summary-respondent = Le sexe est celui du répondant : le sujet s'il s'agit d'une personne, sinon l'enquêteur. Les unités sont le lieu du sujet.
cohort-edit = Modifier la cohorte
cohort-save = Enregistrer la cohorte
cohort-saved = Cohorte { $code } enregistrée.
cohort-facilitator-add = Ajouter un facilitateur (tapez une partie d'un nom ou un matricule)
enrolment-withdraw = Retirer
enrolment-reinstate = Réintégrer
enrolment-withdrawn = { $name } retiré(e).
enrolment-reinstated = { $name } réintégré(e).
enrolment-withdrawn-on = retiré(e) le { $date }
enrolment-withdrawn-count = Retirés
catalogue-new-programme = Créer un programme
catalogue-new-course = Créer une formation
catalogue-create-programme = Créer le programme
catalogue-create-course = Créer la formation
catalogue-currency = Devise (RWF, XAF, USD…)
catalogue-one-per-line = Un par ligne
catalogue-accrediting-body = Organisme d'accréditation
catalogue-target-roles = Destinée à
catalogue-target-roles-hint = Fonctions comptées ensemble (chaque personne une fois) ; aucune : toutes les fonctions
catalogue-completion-rule = Règle d'achèvement
catalogue-min-attendance = Séances suivies au moins (%)
catalogue-require-passed = Toutes les évaluations réussies
catalogue-min-grade = Note finale au moins (0–100)
catalogue-certificate-months = Certificat valable (mois)
catalogue-prerequisites = Formations préalables
catalogue-codes-hint = Codes des formations, séparés par des espaces
catalogue-modules = Modules et normes visées
catalogue-module = Module
catalogue-assessments = Évaluations
catalogue-max-score = Maximum
catalogue-pass-score = Note de passage
catalogue-weight = Poids

# Certificates on paper, sign-in sheets and QR check-in
certificate-default-title = Certificat de réussite
certificate-default-certify = Nous certifions que
certificate-default-completed = a suivi avec succès la formation
certificate-default-details = { $hours } heures de développement professionnel · { $credits } crédits
certificate-default-programme = Programme : { $programme }
certificate-default-signatory = Formateur ou formatrice
certificate-default-signatory-issuer = Pour { $issuer }
certificate-serial = Numéro de série { $serial }
certificate-issued-on = Délivré le { $issued }
certificate-expires = valable jusqu’au { $expires }
certificate-code = Code de vérification { $code }
certificate-qr-caption = Scannez pour vérifier, ou ouvrez { $url }
certificate-pdf = PDF
certificate-qr = Code QR de l’adresse de vérification
problem-unknown-placeholder = champ inconnu { $value } ; les champs connus sont { $allowed }
problem-bad-row-range = « { $value } » n’est ni un numéro de ligne ni une plage comme 3-7
problem-row-out-of-range = la ligne { $value } n’est pas sur la feuille (lignes 1 à { $max })
problem-row-twice = la ligne { $value } est saisie pour deux statuts ({ $first } et { $column })
problem-checkin-not-today = l’émargement n’est ouvert que le jour de la séance ({ $value })
problem-checkin-expired = ce code a expiré : scannez le code affiché maintenant
problem-checkin-other-session = ce code est celui d’une autre séance (cohorte { $cohort }), pas de celle-ci
problem-checkin-bad-code = ce n’est pas un code d’émargement de cette séance
problem-checkin-no-person = le compte { $value } ne correspond à aucune personne : connectez-vous avec votre propre compte pour émarger
problem-checkin-no-present-status = le déploiement n’a aucun statut de présence qui compte comme présent
sheet-title = Feuille d’émargement
sheet-course = Formation : { $course }
sheet-cohort = Cohorte : { $cohort }
sheet-session = Séance : { $title }, { $date }
sheet-venue = Lieu : { $venue }
sheet-number = N°
sheet-name = Nom
sheet-staff-number = Matricule
sheet-school = École
sheet-signature = Signature
sheet-status = Statut
sheet-page = Page { $page } sur { $pages }
sheet-legend = Statut : { $statuses }
sheet-download = Feuille d’émargement (PDF)
typed-title = Saisir la feuille d’émargement
typed-intro = Saisissez les numéros de ligne de la feuille papier pour chaque statut, par exemple 1-14, 16, 18-60. Vérifiez les noms, puis enregistrez.
typed-rows-for = Lignes { $status }
typed-others = Tous les autres
typed-others-leave = laisser tels quels
typed-preview = Afficher les noms
typed-save = Enregistrer ces présences
typed-check = Vérifiez la liste ci-dessous, puis enregistrez.
typed-saved = { $n } présences enregistrées ; { $attended } présents.
typed-link = Saisir une feuille papier
checkin-title = Émargement
checkin-show = Afficher le code QR d’émargement
checkin-screen-intro = Les participants scannent ce code avec leur téléphone et se connectent. Il change chaque minute.
checkin-or-type = Ou ouvrez { $url }
checkin-confirm = Émarger à { $title } ({ $cohort }) en tant que { $name } ?
checkin-button = Émarger
checkin-done = { $name }, votre présence est enregistrée ({ $status }).
checkin-already = { $name }, vous étiez déjà marqué·e ({ $status }) pour cette séance : rien n’a changé.
templates-title = Texte des certificats
templates-intro = Le texte imprimé sur les certificats, par langue, pour tout le déploiement ou une formation. Champs : { $placeholders }. Une ligne du corps qui ne contient que {"{"}name{"}"} est imprimée en grand.
templates-course = Formation (vide pour toutes)
templates-lang = Langue
templates-issuer = Organisme émetteur
templates-title-field = Titre
templates-body = Corps (une ligne par ligne)
templates-signatories = Signataires (un par ligne : Nom, fonction)
templates-save = Enregistrer le texte
templates-saved = Texte enregistré.
templates-builtin = par défaut
templates-default = toutes les formations
templates-link = Texte des certificats
catalogue-save = Enregistrer les modifications
catalogue-edit = Modifier
catalogue-edit-title = Modifier { $name }
catalogue-edit-programme-hint = Effacez le nom et la valeur d'une cible pour la supprimer. Les rapports de portée suivent les changements aussitôt.
catalogue-edit-course-hint = Les modules et les évaluations sont reconnus par leur code : changez un code pour en ajouter un nouveau, videz une ligne pour la supprimer. L'achèvement est recalculé pour chaque cohorte du cours. Une évaluation notée ne peut être supprimée, ni son maximum placé sous sa meilleure note.
problem-unknown-target = le programme n'a pas de cible { $value }
problem-prerequisite-cycle = { $value } exige déjà ce cours : les prérequis ne peuvent pas tourner en rond
problem-max-below-grades = { $value } est inférieur à une note déjà donnée ({ $best })
problem-assessment-graded = l'évaluation { $value } a des notes et ne peut être supprimée
delete = Supprimer
delete-hint = La suppression est définitive ; le journal d'audit garde ce qui était enregistré.
resource-delete = Supprimer cette livraison et ses contrôles
outreach-delete = Supprimer cet événement
outreach-kinds = Types d'activité de sensibilisation
outreach-kinds-hint = Les types proposés quand une activité est enregistrée. Un nouveau code en ajoute un ; un code existant le renomme.
outreach-kind-position = Ordre
outreach-kind-set = Ajouter ou renommer un type
outreach-kind-save = Enregistrer le type
outreach-import = Enregistrer des activités depuis un fichier
outreach-import-hint = Un fichier CSV ou XLSX, une activité par ligne ; toutes les lignes sont enregistrées ou aucune. Colonnes :

## La ligne de commande : restauration et démo
restore-confirm = La restauration remplace la base de données { $database } par { $file } (le contenu actuel est mis de côté). Tapez { restore-confirm-word } pour continuer :
restore-confirm-word = oui
restore-needs-yes = la restauration remplace la base de données { $database }, et il n'y a pas de terminal pour le demander : passez --yes pour confirmer. Rien n'a été changé.
restore-cancelled = Rien n'a été changé.
restore-done = { $database } restaurée depuis { $file }.
restore-kept = La base précédente est conservée sous { $kept }.
restore-nothing-kept = La base ne contenait aucune donnée ; rien n'a été mis de côté.
restore-files = { $count } { $count ->
    [one] fichier
   *[other] fichiers
  } de la sauvegarde dans { $files } ({ $added } remis, qui n'y étaient pas).
demo-has-data = { $database } contient déjà des données : opencpd serve la sert ; opencpd demo --replace reconstruit la démo et met le fichier actuel de côté.
demo-kept = La base précédente est conservée sous { $kept }.

## The command line: summaries
cli-demo-built = Démo construite en { $seconds } s : { $units } unités, { $schools } écoles, { $people } personnes, { $positions } postes.
cli-demo-database = Base de données { $database } : { $megabytes } Mo
cli-demo-delivery = Formation : { $programmes } programmes, { $courses } cours, { $cohorts } cohortes, { $enrolments } inscriptions, { $marks } présences notées, { $certificates } certificats, { $costs } coûts de programme.
cli-demo-outreach = Sensibilisation : { $events } événements, { $resources } ressources livrées aux écoles ({ $checks } vérifications), { $awards } distinctions d'enseignants.
cli-demo-evaluation = Évaluation { $code } : { $schools } écoles réparties en 3 bras ; { $rows } lignes de résultats d'apprentissage (2022 à 2025).
cli-demo-funnel = Niveaux de Kirkpatrick de { $programme } : { $surveys } enquêtes de satisfaction, { $tests } pré- et post-tests, { $observations } observations de classe, { $culture } enquêtes sur la culture de l'école.
cli-demo-peer = Apprentissage entre pairs : { $plcs } CAP, { $meetings } réunions, { $points } actions ; accompagnement : { $relations } relations, { $visits } visites.
cli-demo-plans = Plans d'amélioration 2025 à Gitega : { $approved } approuvé, { $submitted } soumis, { $returned } renvoyé, { $draft } brouillon.
cli-demo-accounts = Comptes (mot de passe : { $password }) :
cli-demo-login = Connectez-vous en tant que admin / { $password }
cli-serving = En service sur { $address } (Ctrl-C pour arrêter)
cli-exported-units = { $count } { $count ->
    [one] unité exportée
   *[other] unités exportées
  }.
cli-exported-schools = { $count } { $count ->
    [one] école exportée
   *[other] écoles exportées
  }.
cli-exported-people = { $count } { $count ->
    [one] personne exportée
   *[other] personnes exportées
  }.
cli-exported-positions = { $count } { $count ->
    [one] poste exporté
   *[other] postes exportés
  }.
cli-exported-to = { $count } { $count ->
    [one] soumission exportée
   *[other] soumissions exportées
  } vers { $file }.
cli-files-none = Il n'y a pas de dossier de fichiers à { $files } : rien à retirer.
cli-file-undescribed = jamais décrit
cli-file-pruned = { $sha256 } : { $size } octets, { $type }, inutilisé depuis { $since }
cli-files-pruned = { $count } { $count ->
    [one] fichier auquel aucune ligne ne renvoie, inutilisé
   *[other] fichiers auxquels aucune ligne ne renvoie, inutilisés
  } depuis { $hours } heures, et { $spooled } { $spooled ->
    [one] envoi interrompu
   *[other] envois interrompus
  } retirés : { $megabytes } Mo.
cli-files-would-prune = Seraient retirés { $count } { $count ->
    [one] fichier auquel aucune ligne ne renvoie, inutilisé
   *[other] fichiers auxquels aucune ligne ne renvoie, inutilisés
  } depuis { $hours } heures, et { $spooled } { $spooled ->
    [one] envoi interrompu
   *[other] envois interrompus
  } : { $megabytes } Mo. Rien n'a été retiré (--dry-run).
cli-backed-up = Sauvegarde écrite dans { $file }
cli-backed-up-files = { $count } { $count ->
    [one] fichier
   *[other] fichiers
  } ({ $megabytes } Mo) auxquels la base renvoie sont dans la sauvegarde avec elle.
cli-backup-files-missing = { $count } { $count ->
    [one] fichier
   *[other] fichiers
  } auxquels la base renvoie ne sont pas dans { $files }, donc pas dans la sauvegarde : { $list }
cli-backup-no-files = Il n'y a pas de dossier de fichiers à { $files } : la sauvegarde ne contient que la base.
cli-published = { $code } version { $version } ({ $title }) publié comme instrument { $id }.
cli-form-refused = { $file } : { $count } { $count ->
    [one] problème
   *[other] problèmes
  } ; rien n'a été enregistré.
cli-user-created = { $username } créé ({ $role }).
cli-user-active = { $username } est maintenant actif.
cli-user-disabled = { $username } est maintenant désactivé.
cli-token-revoked = Le jeton { $id } ({ $name }) de { $username } est révoqué.
cli-password-set = Le mot de passe de { $username } est défini ; ses sessions sont terminées.
cli-wrote = { $file } écrit
cli-stdout = la sortie standard
cli-xlsx-needs-out = XLSX demande --out FICHIER
cli-zip-needs-out = un formulaire avec des répétitions s’exporte en zip de fichiers CSV, qui demande --out FICHIER

# Listes : pages, tri, recherche
list-search = Chercher par nom ou code
list-pages = Pages
list-showing = { $first }–{ $last } sur { $total }
list-previous = Précédente
list-next = Suivante
problem-bad-page = { $value } n'est pas une page : les pages sont numérotées à partir de 1
problem-page-too-far = { $value } dépasse la dernière page qu'on puisse demander d'une liste ({ $max })
problem-bad-per-page = { $value } lignes par page n'est pas possible : de 1 à { $max }
enrol-search = Trouver une personne par nom ou numéro de matricule
enrol-search-none = Personne que vous pouvez inscrire ne correspond à cette recherche.
enrol-button = Inscrire

# A template file's notes (the second sheet of a workbook, comment lines of a CSV file).
template-column = colonne
template-required = obligatoire
template-allowed = valeurs permises
template-yes = oui
template-no = non
template-allowed-line = { $column } : une valeur parmi { $values }
template-update-key = Lors d'une mise à jour (--update, ou « Mettre à jour les enregistrements qui existent » coché sur la page d'import), { $count ->
    [one] la colonne { $columns } désigne l'enregistrement
   *[other] les colonnes { $columns } désignent l'enregistrement
  } qu'une ligne modifie ; une ligne qui ne désigne aucun enregistrement en ajoute un.
template-update-empty = Lors d'une mise à jour, une cellule facultative laissée vide conserve la valeur de l'enregistrement.
