## Données scolaires et indicateurs

problem-indicator-parse = l'expression ne se lit pas au caractère { $position } : { $detail }
problem-indicator-unknown-measure = { $value } n'est pas une mesure ; mesures : { $allowed }
problem-indicator-unknown-dimension = { $measure } n'a pas de dimension { $value } ; ses dimensions : { $allowed }
problem-indicator-unknown-value = { $value } n'est pas une valeur de { $dimension } ; valeurs : { $allowed }
problem-indicator-disaggregation-not-carried = { $measure } ne peut pas être ventilé par { $value }
problem-indicator-disaggregation-not-allowed = l'indicateur ne peut pas être ventilé par { $value } ; il permet : { $allowed }
problem-indicator-divides-by-empty-set = le dénominateur peut être vide ou nul là où le numérateur ne l'est pas : { $reason ->
    [difference] une différence peut être nulle
    [constant] c'est la constante { $value }
    [contradiction] ses conditions sur { $value } se contredisent
   *[disaggregated] il est filtré sur { $value }, par quoi l'indicateur est ventilé
}
problem-indicator-bad-scale = { $value } n'est pas une échelle : donnez un nombre supérieur à zéro (100 pour un pourcentage)
problem-duplicate-in-list = { $value } figure deux fois dans la liste
problem-bad-term = { $value } n'est pas un trimestre : donnez 1, 2, 3 ou 4, ou laissez vide pour l'année entière
problem-unknown-grade = aucune classe n'a le code { $value }
problem-unknown-group = aucun groupe d'élèves n'a le code { $value }
problem-more-repeaters-than-enrolled = { $value } redoublants, c'est plus que les { $enrolled } inscrits
problem-more-than-enrolled = { $value }, c'est plus que les { $enrolled } inscrits
problem-bands-above-assessed = les niveaux de compétence totalisent { $total }, plus que les { $assessed } évalués
problem-score-above-maximum = la note moyenne { $value } dépasse le maximum de { $max } en { $subject }
problem-score-needs-subject = une note moyenne demande sa matière
problem-bad-max-score = { $value } n'est pas une note maximale : donnez un nombre supérieur à zéro
problem-target-category = donnez une ventilation et l'une de ses catégories ensemble, ou aucune des deux
problem-bad-kirkpatrick-level = { $value } n'est pas un niveau de Kirkpatrick : donnez 1, 2, 3 ou 4
problem-dhis2-unmapped = { $value } n'a pas de code DHIS2 (type de correspondance { $kind })
problem-dhis2-bad-attribute = { $value } ne peut pas être un attribut de catégorie ADX : utilisez des lettres, chiffres, _ - . en commençant par une lettre
problem-dhis2-period = { $value } n'est pas une période annuelle DHIS2 telle que 2025
problem-dhis2-no-values = { $value } n'a aucune valeur à envoyer : toutes manquent ou sont masquées pour votre rôle (un message ADX en demande au moins une)
kind-outcomes = Résultats des élèves
data-title = Données des élèves : { $place }
data-link = Données des élèves : scores, flux et écarts
data-trend = Score moyen par matière
data-trend-caption = Score moyen des élèves (% du maximum), toutes classes, par année
data-subject = Matière
data-year = Année
data-assessed = Évalués
data-mean = Score moyen
data-none = Pas encore de résultats d'élèves pour ce lieu.
data-flows = Flux de { $year } à { $next }
data-grade = Classe
data-enrolled = Inscrits
data-promotion = Promotion
data-repetition = Redoublement
data-dropout = Abandon
data-survival = Survie jusqu'à la classe
data-parity = Parité (promotion, ajustée)
data-suppressed = Les effectifs inférieurs à { $threshold } et les taux qui en sont tirés sont masqués.
data-gaps = Compétents ou mieux, filles et garçons, { $year }
data-flows-caption = Parmi les inscrits de chaque classe : promus, redoublants et sortis l'année suivante (taux de l'ISU)
data-gaps-caption = Part des élèves au niveau attendu ou au-delà, filles et garçons, par classe ; le chiffre à droite est l'écart en points de pourcentage (filles moins garçons)
data-girls = Filles
data-boys = Garçons
data-targets = Cibles et résultats atteints
data-targets-caption = Chaque cible (trait foncé) face au résultat atteint (barre) et à sa valeur de référence (trait gris), chacune à sa propre échelle
data-target-indicator = Indicateur
data-baseline = Référence
data-target = Cible
data-achieved = Atteint
data-parts = Au sein de ce lieu, { $year }
data-part = Lieu
data-proficient = Compétents ou mieux
data-gap = Écart (points, filles − garçons)
data-group-gaps = Compétents ou mieux, { $group } et autres élèves, { $year }
data-group-gaps-caption = Part des élèves au niveau attendu ou au-delà, { $group } et les autres élèves, par classe ; le chiffre à droite est l'écart en points de pourcentage
data-group-gap = Écart (points, { $group } − autres)
data-others = Autres élèves

## Les listes auxquelles renvoient les résultats, et la saisie pour une école
lists-title = Classes, matières et groupes d'élèves
lists-link = Classes, matières et groupes d'élèves
lists-hint = Les lignes de résultats, importées ou saisies, désignent une classe, une matière et un groupe d'élèves par son code ; une ligne qui nomme un code absent d'ici est refusée.
lists-read-only = Seuls les administrateurs du déploiement complètent et modifient ces listes, communes à tous ses pays.
lists-grades = Classes
lists-subjects = Matières
lists-groups = Groupes d'élèves
lists-code = Code
lists-name = Nom
lists-position = Rang
lists-position-hint = L'ordre des classes, que lisent les flux (le suivant si vide)
lists-max-score = Note maximale
lists-none = Aucun pour l'instant.
lists-add-grade = Ajouter une classe
lists-add-subject = Ajouter une matière
lists-add-group = Ajouter un groupe d'élèves
lists-added = { $code } ajouté.
lists-edit = Modifier
lists-edit-item = Modifier { $code }
lists-save = Enregistrer
lists-saved = { $code } enregistré.
lists-max-score-hint = Pas en dessous d'une note enregistrée pour la matière
problem-max-score-below-stored = la note maximale de { $subject } ne peut pas descendre à { $value } : { $rows ->
    [0] aucune ligne de résultats
    [one] une ligne de résultats
   *[other] { $rows } lignes de résultats
} et { $learners ->
    [0] aucun relevé d'élève
    [one] un relevé d'élève
   *[other] { $learners } relevés d'élèves
} enregistrés pour cette matière dépassent { $value } (la note la plus haute est { $highest }) ; corrigez d'abord ces notes, ou gardez un maximum d'au moins { $highest }
problem-position-taken = le rang { $value } est déjà celui d'une autre classe
problem-bad-position = { $value } n'est pas un rang : donnez un nombre entier à partir de 1
problem-reference-not-taken = { $kind ->
    [grade] une classe
    [subject] une matière
   *[group] un groupe d'élèves
} n'a pas de { $value }
entry-link = Saisir les résultats des élèves
entry-title = Résultats des élèves : { $school }
entry-hint = Une ligne par sexe, et par groupe d'élèves quand le déploiement en a ; une ligne laissée vide est ignorée. Ce qui est enregistré remplace ce qui était tenu pour la même année, le même trimestre, la même classe, la même matière, le même sexe et le même groupe.
entry-year = Année
entry-term = Trimestre
entry-whole-year = Toute l'année
entry-term-n = Trimestre { $n }
entry-grade = Classe
entry-subject = Matière
entry-every-subject = Toutes matières (effectifs et flux)
entry-choose = — choisir —
entry-learners = Élèves
entry-all-learners = tous les élèves
entry-enrolled = Inscrits
entry-assessed = Évalués
entry-mean-score = Score moyen
entry-below-basic = Sous le niveau de base
entry-basic = Niveau de base
entry-proficient = Compétents
entry-advanced = Avancés
entry-promoted = Promus
entry-repeating = Redoublants
entry-dropped-out = Abandons
entry-save = Enregistrer
entry-saved = { $rows ->
    [one] Une ligne enregistrée.
   *[other] { $rows } lignes enregistrées.
}
entry-no-grades = Aucune classe n'est encore définie, rien ne peut donc être saisi : les administrateurs du déploiement ajoutent les classes sur la page des listes.
entry-problems = Rien n'a été enregistré :
problem-nothing-entered = rien n'est saisi : remplissez au moins une ligne

## Plans d'amélioration de l'école
plans-title = Plans d'amélioration
plans-none = Pas encore de plan d'amélioration.
plans-year = Année
plans-plan = Plan
plans-priorities = Priorités
plans-actions = Actions
plan-title = Plan d'amélioration { $year } : { $school }
plan-version = Version { $version }, écrite par { $by } le { $at }
plan-read-only = Vous pouvez lire ce plan ; seul le chef d'établissement le modifie.
plan-priority = Priorité
plan-indicator = Indicateur
plan-baseline = Référence ({ $year })
plan-now = Actuel
plan-target = Cible
plan-due = Échéance
plan-progress = Progrès
plan-chart-caption = { $indicator } par année : la ligne est la valeur de l'école, le cercle la référence, le tiret la cible.
plan-action = Action
plan-owner = Responsable
plan-status = État
plan-review = Note de revue
plan-status-planned = Prévue
plan-status-in_progress = En cours
plan-status-done = Faite
plan-status-dropped = Abandonnée
plan-no-actions = Pas encore d'action.
problem-plan-unknown-indicator = aucun indicateur n'a le code { $value }
problem-plan-baseline-year = { $value } ne peut pas être l'année de référence : donnez une année jusqu'à celle du plan
problem-plan-due-before-year = { $value } est avant l'année du plan
problem-plan-no-such-priority = le plan n'a pas de priorité { $value }
problem-plan-owner-not-at-school = la personne { $value } ne travaille pas dans cette école
problem-plan-bad-note = la note de revue est trop longue ou contient des caractères de contrôle
problem-plan-bad-reason = le motif est trop long ou contient des caractères de contrôle
problem-plan-reason-needed = dites pourquoi le plan est renvoyé
problem-plan-step-not-now = le plan ne peut pas être { $step ->
    [submit] soumis
    [approve] approuvé
   *[return] renvoyé
} maintenant : il est { $state ->
    [draft] au brouillon
    [submitted] soumis
    [approved] approuvé
   *[returned] renvoyé
}
problem-plan-under-review = le plan est soumis pour validation : il pourra être modifié quand l'agent l'aura renvoyé
plan-state = État
plan-state-draft = Brouillon
plan-state-submitted = Soumis
plan-state-approved = Approuvé
plan-state-returned = Renvoyé
plan-approved-version = La version { $version } est celle approuvée.
plan-returned-because = Renvoyé : { $reason }
plan-under-review = Soumis pour validation : il n'est pas modifié tant que l'agent ne l'a pas approuvé ou renvoyé.
plan-awaiting-leader = Le chef d'établissement soumet le plan quand il est prêt.
plan-submit = Soumettre pour validation
plan-approve = Approuver
plan-return = Renvoyer à l'école
plan-reason = Motif du renvoi
plan-history = Historique
plan-event = Événement
plan-event-saved = Version { $version } enregistrée
plan-event-submitted = Version { $version } soumise
plan-event-approved = Version { $version } approuvée
plan-event-returned = Version { $version } renvoyée
plan-at = Quand
plan-by = Par
plan-versions = Versions conservées
plan-version-saved = Version { $version }, enregistrée par { $by } le { $at }
plan-edit = Modifier le plan
plan-new = Écrire le plan de { $year }
plan-save = Enregistrer
plan-edit-hint = Videz tous les champs d'une ligne pour la retirer ; enregistrez pour avoir d'autres lignes vides.
plan-edit-approved = Mettre à jour l'état et les notes de revue des actions garde le plan approuvé ; changer son titre, ses priorités, cibles, dates, actions ou responsables en fait un nouveau brouillon à soumettre de nouveau.
plan-plan-title = Titre du plan
plan-baseline-year = Année de référence
plan-choose = — choisir —
plan-none = —
data-report-title = Résultats des élèves : { $place }
data-report-issued = Édité le { $date }
data-report-page = Page { $page } sur { $pages }
data-report-suppression = Petits effectifs : un effectif inférieur à { $threshold } est affiché <{ $threshold }, et tout ce qui en est tiré (un taux, une moyenne, un total dont on pourrait le retrouver par soustraction) est masqué aussi, sauf pour qui peut lire les données individuelles.
data-report-definitions = Définitions
data-report-def-mean = Score moyen : le score moyen des élèves en pourcentage du maximum de la matière, pondéré par les élèves évalués, toutes classes ensemble.
data-report-def-flows = Taux de flux selon l'ISU de l'UNESCO : taux de redoublement RR(g,t) = R(g,t+1) / E(g,t) ; taux de promotion PR(g,t) = (E(g+1,t+1) − R(g+1,t+1)) / E(g,t) ; taux d'abandon = 1 − PR − RR ; E est l'effectif inscrit et R les redoublants. La survie jusqu'à une classe est la part d'une cohorte d'entrants qui l'atteint, par la méthode de la cohorte reconstituée (les taux de promotion et de redoublement de l'année appliqués, année après année, à une cohorte entrant en première classe).
data-report-def-parity = Indice de parité : le taux des filles sur celui des garçons ; ajusté (2 − garçons sur filles) au-dessus de 1, pour se lire de même dans les deux sens.
data-report-def-gap = Écart : part des filles compétentes ou mieux moins celle des garçons, en points de pourcentage, avec le nombre d'élèves derrière chaque part. Un groupe d'élèves est comparé de même aux autres élèves : tous sauf ceux du groupe.
data-report = Rapport (PDF)
data-report-fr = Rapport en français (PDF)
problem-learner-score-above-maximum = la note { $value } dépasse le maximum de { $max } en { $subject }
problem-learner-not-pseudonymous = { $value } n'est pas un identifiant pseudonyme d'élève : donnez l'identifiant que l'école garde pour l'élève (lettres et chiffres avec - _ . /, sans espace, au moins un chiffre, { $max } caractères au plus), jamais un nom
kind-learner-scores = Notes des élèves (une ligne par élève)
data-report-targets-caption = Chaque cible : le résultat atteint en part de la cible (une barre pleine : la cible est atteinte), puis la valeur de référence, la cible et le résultat atteint.
data-report-flows-caption = Taux de promotion par classe (% des inscrits qui sont dans la classe suivante l'année suivante)
data-report-of-target = { $share } % de la cible

indicators-title = Indicateurs
indicators-intro = Chaque chiffre des tableaux de bord, des cibles, des rapports et des exports est l'un de ces indicateurs, défini une seule fois : un numérateur, un dénominateur, l'échelle et les ventilations permises.
indicators-code = Code
indicators-name = Nom
indicators-name-en = Nom en anglais
indicators-name-fr = Nom en français
indicators-definition = Définition
indicators-disaggregations = Ventilations
indicators-level = Niveau de Kirkpatrick
indicators-own = propre à ce déploiement
indicators-add = Ajouter un indicateur
indicators-numerator = Numérateur
indicators-denominator = Dénominateur (vide : un effectif ou une somme)
indicators-scale = Échelle (100 pour un pourcentage)
indicators-description-en = Ce qu'il compte, en anglais
indicators-description-fr = Ce qu'il compte, en français
indicators-save = Vérifier et enregistrer
indicators-measures = Mesures qu'une définition peut utiliser
indicators-language = Une définition additionne des mesures, filtrées ou non : sum(proficient) + sum(advanced), sum(assessed) where sex = 'F', count(participants). Une mesure ne se ventile que selon les ventilations indiquées à côté ; la définition est vérifiée à l'enregistrement.
indicators-measure = Mesure
