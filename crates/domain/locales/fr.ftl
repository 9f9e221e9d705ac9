## Où se trouve un problème
at-row = ligne { $row }
at-column = colonne { $column }

## Problèmes de saisie (problem-<code>)
problem-required = une valeur est obligatoire
problem-bad-choice = { $value } n'est pas l'une des valeurs : { $allowed }
problem-bad-code = { $value } n'est pas un code valide (lettres, chiffres, - _ / . sans espace, 40 au plus)
problem-too-long = la valeur est trop longue ({ $max } caractères au plus)
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
problem-too-many-problems = arrêt après { $max } problèmes
problem-duplicate-in-file = { $value } figure déjà à la ligne { $first } de ce fichier
problem-own-parent = une unité ne peut pas être son propre parent
problem-both-coordinates = indiquez la latitude et la longitude, ou aucune des deux
problem-school-or-unit = indiquez un school_code ou un unit_code, pas les deux ni aucun
problem-role-needs-school = le rôle { $role } s'exerce dans une école : indiquez un school_code
problem-ends-before-start = le poste se termine avant de commencer ({ $start })
problem-empty-file = le fichier est vide (0 octet)
problem-not-a-table = le fichier n'est pas un tableau CSV ou XLSX : { $detail }
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
problem-out-of-scope = { $value } est hors de votre périmètre
problem-not-found = introuvable
problem-forbidden = vous n'êtes pas autorisé à faire cela
problem-bad-request = la requête n'est pas valide : { $detail }
problem-bad-credentials = nom d'utilisateur ou mot de passe incorrect
problem-throttled = trop de tentatives échouées ; attendez { $seconds } secondes
problem-csrf = le formulaire a expiré ; rechargez la page et réessayez
problem-login-required = veuillez vous connecter
problem-too-short = trop court ({ $min } caractères au moins)
problem-conflict = cela contredit des données existantes : { $detail }

## Navigation et pages
nav-home = Accueil
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
home-my-schools = Mon école
home-my-record = Mon dossier de formation continue
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
} dans { $rows } lignes. Rien n'a été écrit.
users-title = Utilisateurs
users-add = Ajouter un utilisateur
users-created = Utilisateur { $username } créé.
users-active = actif
users-disabled = désactivé
users-disable = Désactiver
users-enable = Réactiver
users-language = Langue
users-scope = Périmètre (code d'unité, code d'école ou matricule)
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
problem-form-unsupported-media = les images, sons et vidéos ne sont pas pris en charge : { $value }
problem-form-unsupported-column = cette colonne n'est pas prise en charge ici ; laissez-la vide ({ $value })
problem-form-unsupported-type = { $value } n'est pas un type de question pris en charge par OpenCPD
problem-form-unsupported-or-other = { $value } : « or_other » n'est pas pris en charge ; ajoutez un choix « autre » et une question texte
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
problem-form-unknown-choice-column = le filtre de choix lit la colonne { $name }, absente de la feuille choices, dans { $value }
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
instruments-published = { $name } publié.
instruments-refused = { $problems ->
    [one] Un problème : rien n'a été publié.
   *[other] { $problems } problèmes : rien n'a été publié.
}
instruments-languages = Langues
instruments-export = Exporter les soumissions
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
instrument-kind-survey = Enquête
instrument-kind-test = Test
instrument-kind-observation = Observation
instrument-kind-needs_assessment = Analyse des besoins
instrument-kind-checklist = Liste de contrôle
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
