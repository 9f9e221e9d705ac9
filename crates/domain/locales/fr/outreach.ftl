# Les listes de distinctions (les autres messages de la sensibilisation sont dans fr.ftl).

awards-title = Distinctions
awards-year = Année
awards-date = Décernée le
awards-award = Distinction
awards-person = Décernée à
awards-body = Décernée par
awards-event = Évènement
awards-at-event = Les distinctions décernées lors de cet évènement
awards-none = Aucune distinction ne correspond.
awards-counts = { $awards ->
    [one] { $awards } distinction
   *[other] { $awards } distinctions
} à { $people ->
    [one] { $people } personne
   *[other] { $people } personnes
}
awards-teachers-awarded = { $people ->
    [one] { $people } enseignant récompensé
   *[other] { $people } enseignants récompensés
}
awards-link = Distinctions

kind-outreach = Activités de sensibilisation
kind-awards = Distinctions
