# Instruments (crates/forms) : réponses aux types de question repris d'ODK.
problem-form-bad-geopoint = { $value } n'est pas un lieu : une latitude (-90 à 90) et une longitude (-180 à 180) en degrés, puis l'altitude et la précision en mètres si elles sont connues
problem-form-bad-geotrace = { $value } n'est pas une ligne : deux lieux ou plus séparés par « ; »
problem-form-bad-geoshape = { $value } n'est pas une surface : quatre lieux ou plus séparés par « ; », le dernier égal au premier
problem-form-bad-file-name = { $value } n'est pas le nom d'un fichier envoyé avec la soumission
problem-form-bad-rank = { $value } est classé deux fois
problem-form-calculation-cycle = ce calcul dépend de lui-même ({ $names }) : { $value }

# A form's files (its attachments) and the files answers name.
problem-form-file-column = le fichier { $value } n'a pas de colonne { $column }, que lit la question { $question }
problem-form-attachments-missing = ce formulaire ne peut pas être collecté avant que ses fichiers soient téléversés ; manquants : { $files }
problem-form-not-attachment = { $value } n'est pas un fichier que ce formulaire nomme ; il nomme : { $allowed }
problem-form-attachment-twice = { $value } est envoyé deux fois ; envoyez chaque fichier une seule fois
problem-form-file-not-sent = le fichier { $value } que nomme cette réponse n'a pas été envoyé avec la soumission
problem-form-file-unknown = aucun fichier d'empreinte { $value } n'a été téléversé ; téléversez-le d'abord
problem-file-digest = le contenu du fichier n'a pas l'empreinte { $value } (il a { $sha256 })
problem-file-offset = le fichier { $sha256 } est reçu jusqu'à l'octet { $received } ; une partie commençant à { $value } n'en est pas la suite (envoyez le reste à partir de l'octet { $received })
problem-file-range = { $value } n'est pas une partie d'un fichier : bytes PREMIER-DERNIER/TAILLE, PREMIER au plus DERNIER, DERNIER inférieur à TAILLE
problem-file-range-length = plus d'octets ont été envoyés que la partie { $value } n'en contient ({ $size })
problem-files-bucket = { $value } n'est pas un compartiment : écrivez s3://compartiment/préfixe, le nom du compartiment en minuscules, chiffres, points et traits d'union

# A submission's page.
submission-about = Sujet
submission-subject-school = École
submission-subject-person = Personne
submission-subject-cohort = Cohorte
submission-subject-session = Séance
submission-collected = Collecté
submission-version = Formulaire et version
submission-answers = Réponses
submission-question = Question
submission-answer = Réponse
submission-no-answers = Aucune question de ce formulaire n'a reçu de réponse.
submission-scores = Scores
submission-domain = Domaine
submission-score = Score
submission-repeat = { $count ->
    [one] rempli une fois
   *[other] rempli { $count } fois
}
problem-form-unknown-algorithm = { $function }() ne connaît pas l'algorithme { $algorithm }, dans { $value }
problem-form-unknown-path = le chemin { $path } ne désigne aucune question de ce formulaire, dans { $value } ; un chemin part de la question pour laquelle il est écrit (../x), de current(), ou de la racine (/{ $root }/x)
problem-form-unknown-namespace = l'espace de noms { $prefix } de cette colonne n'est pas déclaré, si bien qu'ODK Validate refuse le formulaire : les XForms déclarent h, ev, xsd, jr, orx et odk ; déclarez { $prefix } dans la colonne namespaces des réglages ({ $prefix }="http://…") ou renommez la colonne ({ $value })
problem-form-bad-attribute = { $value } n'est pas un nombre positif, ce que prend cet attribut
problem-form-bad-trigger = { $value } n'est pas un déclencheur : nommez les questions dont le changement fixe celle-ci sous la forme ${"{"}nom{"}"}, séparées par des virgules
problem-form-trigger-not-shown = { $name } n'est pas montrée au répondant (un calcul, un élément caché ou de métadonnées, un groupe, ou une question calculée sans libellé), donc son changement ne peut pas fixer { $question } : { $value }
problem-form-audit-bad-parameter = le paramètre { $parameter } du journal d'audit prend { $allowed }, pas { $given } ({ $value })
problem-form-audit-location-incomplete = le journal d'audit suit la position avec location-priority, location-min-interval et location-max-age donnés ensemble, ou aucun des trois ({ $value })
problem-form-audit-max-age = le location-max-age du journal d'audit ({ $max } s) doit être au moins son location-min-interval ({ $min } s) ({ $value })
problem-form-audit-column-missing = le journal d'audit { $value } n'a pas de colonne { $heading } : les paramètres d'audit de ce formulaire en font l'en-tête { $expected }
problem-form-audit-column-unexpected = le journal d'audit { $value } a une colonne { $heading } que les paramètres d'audit de ce formulaire ne demandent pas : son en-tête doit être { $expected }
