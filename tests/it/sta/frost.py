# Drives the SensorThings API with FROST's Python client (PyPI
# frost-sta-client), as a city's integrator would: creates a station with
# its location and datastream, writes observations one by one and as a
# data array, reads with filters, follows next links, patches, deletes.
# Prints one JSON object of what it saw.
import json
import sys

import frost_sta_client as fsc
from frost_sta_client.model.ext.data_array_value import DataArrayValue
from frost_sta_client.model.ext.data_array_document import DataArrayDocument
from geojson import Point

url, token, publisher = sys.argv[1:4]
service = fsc.SensorThingsService(url, auth_handler=fsc.AuthHandler(username="integrator", password=token))
out = {}

location = fsc.Location(name="Most přes Chomutovku", description="Hladinoměr u mostu",
                        encoding_type="application/geo+json", location=Point((13.4049, 50.4594)))
sensor = fsc.Sensor(name="Ultrazvukový hladinoměr", description="US-40",
                    encoding_type="text/plain", metadata="US-40, rozsah 0–400 cm")
prop = fsc.ObservedProperty(name="Výška hladiny", definition="http://vocabs.lter-europe.net/EnvThes/22035",
                            description="Výška vodní hladiny nad nulou vodočtu")
stream = fsc.Datastream(name="Hladina Chomutovky", description="Výška hladiny, každých 10 minut",
                        observation_type="http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                        unit_of_measurement=fsc.UnitOfMeasurement(name="centimetr", symbol="cm",
                                                                  definition="http://unitsofmeasure.org/ucum.html#cm"),
                        sensor=sensor, observed_property=prop)
thing = fsc.Thing(name="Hladinoměr Chomutovka", description="Povodňový hladinoměr",
                  properties={"publisher": publisher, "povodi": "Ohře"},
                  locations=[location], datastreams=[stream])
service.create(thing)
out["thing"] = thing.id

found = service.things().find(thing.id)
out["thing_name"] = found.name
streams = list(service.things().query().filter(f"id eq {thing.id}").expand("Datastreams").list())
ds = streams[0].datastreams.entities[0]
out["datastream"] = ds.id
out["unit"] = ds.unit_of_measurement.symbol

for i in range(5):
    o = fsc.Observation(result=100 + i, phenomenon_time=f"2026-07-01T10:{i:02d}:00Z", datastream=ds)
    service.create(o)
    if i == 0:
        out["first_observation"] = o.id

dav = DataArrayValue()
dav.datastream = ds
dav.components = {DataArrayValue.Property.PHENOMENON_TIME, DataArrayValue.Property.RESULT}
for i in range(5, 10):
    dav.add_observation(fsc.Observation(result=100 + i, phenomenon_time=f"2026-07-01T10:{i:02d}:00Z", datastream=ds))
dav.add_observation(fsc.Observation(result="hodně", phenomenon_time="2026-07-01T10:30:00Z", datastream=ds))
doc = DataArrayDocument()
doc.add_data_array_value(dav)
links = service.observations().create(doc)
out["batch"] = [getattr(l, "self_link", None) for l in links]

# Pages of 3 followed through their next links.
seen = [o.result for o in service.observations().query().filter(f"Datastream/id eq {ds.id}")
        .orderby("phenomenonTime", "ASC").top(3).list()]
out["all_results"] = seen
high = service.datastreams().find(ds.id)
high_list = list(service.observations().query()
                 .filter(f"Datastream/id eq {ds.id} and result ge 107").list())
out["high"] = sorted(o.result for o in high_list)
counted = service.observations().query().filter(
    f"Datastream/id eq {ds.id} and phenomenonTime ge 2026-07-01T10:02:00Z").count().top(1).list()
out["count_from_10_02"] = counted.count

service.things().patch(found, [{"op": "replace", "path": "/name", "value": "Hladinoměr Chomutovka, most"}])
out["patched_name"] = service.things().find(thing.id).name
found = service.things().find(thing.id)
found.description = "Povodňový hladinoměr (upraveno)"
service.update(found)
out["updated_description"] = service.things().find(thing.id).description

first = service.observations().find(out["first_observation"])
service.delete(first)
after = service.observations().query().filter(f"Datastream/id eq {ds.id}").count().top(0).list()
out["count_after_delete"] = after.count
print(json.dumps(out))
