# Instruments (crates/forms) : réponses aux types de question repris d'ODK.
problem-form-bad-geopoint = { $value } n'est pas un lieu : une latitude (-90 à 90) et une longitude (-180 à 180) en degrés, puis l'altitude et la précision en mètres si elles sont connues
problem-form-bad-geotrace = { $value } n'est pas une ligne : deux lieux ou plus séparés par « ; »
problem-form-bad-geoshape = { $value } n'est pas une surface : quatre lieux ou plus séparés par « ; », le dernier égal au premier
problem-form-bad-file-name = { $value } n'est pas le nom d'un fichier envoyé avec la soumission
problem-form-bad-rank = { $value } est classé deux fois
problem-form-calculation-cycle = ce calcul dépend de lui-même ({ $names }) : { $value }
