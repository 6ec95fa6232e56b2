package sandbox

import (
	"fmt"
	"strings"
)

// The sandbox account: one root container with a division per region, as a
// CertCentral account with divisions is laid out.
const (
	rootContainerID   = 1
	rootContainerName = "Sandbox Account"
)

// First ids of the seed data; later organizations and contacts continue
// from wherever the seed stopped.
const (
	firstSeedOrganizationID = 1001
	firstSeedContactID      = 5001
)

// containerParent is the parent of a container: none for the root, the
// root for every division.
func containerParent(id int) int {
	if id == rootContainerID {
		return 0
	}
	return rootContainerID
}

// containerFor places an organization in the division of its country.
func containerFor(country string) (id int, name string) {
	switch country {
	case "us", "ca", "mx", "br", "ar":
		return 2, "Americas"
	case "jp", "cn", "kr", "au", "nz", "in", "sg":
		return 4, "Asia Pacific"
	default:
		return 3, "EMEA"
	}
}

// seedContact is a contact row of the seed table.
type seedContact struct {
	first, last, email, jobTitle, telephone, extension, languageID string
}

// seedOrganization is an organization row of the seed table.
type seedOrganization struct {
	name, assumedName                       string
	address, address2, city, state, zip, cc string
	telephone                               string
	inactive                                bool
	org                                     seedContact
	tech                                    *seedContact
}

// seed stores n organizations with ids in order, so that every Server
// given the same n starts with the same data: the seed table's rows, then,
// when n is larger, made-up ones (madeUpOrganization). n <= 0 means the
// seed table alone; a smaller n takes its first rows.
func (g *registry) seed(n int) {
	g.mu.Lock()
	g.nextOrgID, g.nextContactID = firstSeedOrganizationID, firstSeedContactID
	g.mu.Unlock()
	rows := seedOrganizations()
	if n <= 0 {
		n = len(rows)
	}
	for i := range n {
		if i < len(rows) {
			g.add(rows[i].organization())
		} else {
			g.add(madeUpOrganization(i - len(rows)).organization())
		}
	}
}

func (row seedOrganization) organization() Organization {
	o := Organization{
		Name:                row.name,
		AssumedName:         row.assumedName,
		Status:              "active",
		IsActive:            !row.inactive,
		Telephone:           row.telephone,
		Address:             row.address,
		Address2:            row.address2,
		City:                row.city,
		State:               row.state,
		Zip:                 row.zip,
		Country:             row.cc,
		OrganizationContact: row.org.contact(),
	}
	if row.inactive {
		o.Status = "inactive"
	}
	o.ContainerID, o.ContainerName = containerFor(row.cc)
	if row.tech != nil {
		tc := row.tech.contact()
		o.TechnicalContact = &tc
	}
	return o
}

func (c seedContact) contact() Contact {
	return Contact{
		FirstName:          c.first,
		LastName:           c.last,
		Email:              c.email,
		JobTitle:           c.jobTitle,
		Telephone:          c.telephone,
		TelephoneExtension: c.extension,
		LanguageID:         c.languageID,
	}
}

// seedOrganizations is the seed table: companies in many countries, about a
// third without a technical contact, a few inactive, and names that test
// rendering and searching (accents, CJK, Greek, markup characters, a very
// long name). Every e-mail domain is under the reserved .example TLD.
func seedOrganizations() []seedOrganization {
	return []seedOrganization{
		// name, assumed name, address, address2, city, state, zip, country, telephone, inactive, organization contact, technical contact
		{"Acme Widgets, Inc.", "Acme", "100 Market Street", "Suite 300", "San Francisco", "CA", "94105", "us", "+1 415 555 0100", false,
			seedContact{"Margaret", "Chen", "margaret.chen@acme-widgets.example", "Director of IT", "+1 415 555 0101", "204", "1"},
			&seedContact{"Raj", "Patel", "raj.patel@acme-widgets.example", "Site Reliability Engineer", "+1 415 555 0102", "", "1"}},
		{"Blue Harbor Logistics LLC", "", "2200 Harbor Boulevard", "", "Long Beach", "CA", "90802", "us", "+1 562 555 0140", false,
			seedContact{"Daniel", "Ortiz", "dortiz@blueharbor.example", "Compliance Manager", "+1 562 555 0141", "", "1"},
			nil},
		{"Cedar Ridge Health Partners", "", "450 Oak Lane", "Building B", "Nashville", "TN", "37203", "us", "+1 615 555 0180", false,
			seedContact{"Sarah", "Whitfield", "sarah.whitfield@cedarridgehealth.example", "Chief Information Security Officer", "+1 615 555 0181", "12", "1"},
			&seedContact{"Tyler", "Brooks", "tyler.brooks@cedarridgehealth.example", "Systems Administrator", "+1 615 555 0182", "", "1"}},
		{"Lakeside Credit Union", "", "18 Shore Drive", "", "Madison", "WI", "53703", "us", "+1 608 555 0120", false,
			seedContact{"Linda", "Nguyen", "linda.nguyen@lakesidecu.example", "VP Operations", "+1 608 555 0121", "", "1"},
			&seedContact{"Kevin", "O'Brien", "kevin.obrien@lakesidecu.example", "Network Engineer", "+1 608 555 0125", "3310", "1"}},
		{"Summit Analytics Corp.", "Summit", "1 Summit Plaza", "Floor 22", "Denver", "CO", "80202", "us", "+1 303 555 0190", true,
			seedContact{"Michael", "Grant", "mgrant@summit-analytics.example", "Office Manager", "+1 303 555 0191", "", "1"},
			nil},
		{`"Quote" & <Angle> Labs`, "Q&A Labs", "7 Quote Street", "", "Austin", "TX", "78701", "us", "+1 512 555 0170", false,
			seedContact{"Ada", "Lovelace-King", "ada@quote-angle.example", "Founder & CEO", "+1 512 555 0171", "", "1"},
			&seedContact{"Grace", "O'Connell", "grace.oconnell@quote-angle.example", "Security <Lead>", "+1 512 555 0172", "", "1"}},
		{"Pioneer Valley School District", "", "95 State Street", "", "Springfield", "MA", "01103", "us", "+1 413 555 0110", false,
			seedContact{"Patricia", "Kowalski", "pkowalski@pvsd.example", "Technology Coordinator", "+1 413 555 0111", "7", "1"},
			&seedContact{"Marcus", "Bell", "mbell@pvsd.example", "Help Desk Lead", "+1 413 555 0112", "", "1"}},
		{"Redwood Title & Escrow", "", "310 Fifth Street", "", "Eureka", "CA", "95501", "us", "+1 707 555 0150", false,
			seedContact{"Brenda", "Larsen", "brenda@redwoodtitle.example", "Escrow Officer", "+1 707 555 0151", "", "1"},
			nil},
		{"Hudson Software Group, Inc.", "HSG", "55 Water Street", "14th Floor", "New York", "NY", "10041", "us", "+1 212 555 0160", false,
			seedContact{"Jonathan", "Abrams", "jabrams@hudsonsoftware.example", "General Counsel", "+1 212 555 0161", "", "1"},
			&seedContact{"Mei", "Lin", "mei.lin@hudsonsoftware.example", "DevOps Manager", "+1 212 555 0162", "455", "1"}},
		{"Gulf Coast Energy Services", "", "1200 Smith Street", "", "Houston", "TX", "77002", "us", "+1 713 555 0130", false,
			seedContact{"Roberto", "Alvarez", "ralvarez@gulfcoastenergy.example", "IT Manager", "+1 713 555 0131", "", "1"},
			&seedContact{"Ashley", "Turner", "aturner@gulfcoastenergy.example", "PKI Administrator", "+1 713 555 0132", "", ""}},
		{"Thames Valley Consulting Ltd", "", "3 Friar Street", "", "Reading", "Berkshire", "RG1 1DB", "gb", "+44 118 496 0123", false,
			seedContact{"Oliver", "Hughes", "oliver.hughes@thamesvalley.example", "Head of Infrastructure", "+44 118 496 0124", "", "1"},
			&seedContact{"Priya", "Sharma", "priya.sharma@thamesvalley.example", "Platform Engineer", "+44 118 496 0125", "", "1"}},
		{"Highland Whisky Traders plc", "", "12 Castle Street", "", "Inverness", "Highland", "IV2 3EA", "gb", "+44 1463 496 010", false,
			seedContact{"Fiona", "MacLeod", "fiona.macleod@highlandwhisky.example", "Finance Director", "+44 1463 496 011", "", "1"},
			nil},
		{"Brighton & Hove Digital Ltd", "", "40 North Street", "", "Brighton", "East Sussex", "BN1 1RH", "gb", "+44 1273 496 020", false,
			seedContact{"Harriet", "Cole", "harriet@bh-digital.example", "Managing Director", "+44 1273 496 021", "", "1"},
			&seedContact{"Sam", "Okafor", "sam.okafor@bh-digital.example", "Lead Developer", "+44 1273 496 022", "", "1"}},
		{"O'Neill's Pharmacy Group Ltd", "O'Neill's", "22 Donegall Place", "", "Belfast", "County Antrim", "BT1 5BD", "gb", "+44 28 9649 6030", false,
			seedContact{"Siobhán", "O'Neill", "siobhan.oneill@oneillspharmacy.example", "Operations Director", "+44 28 9649 6031", "", "1"},
			&seedContact{"Ciarán", "Doyle", "ciaran.doyle@oneillspharmacy.example", "IT Support Analyst", "+44 28 9649 6032", "", "1"}},
		{"Müller & Söhne GmbH", "", "Königstraße 12", "", "Stuttgart", "Baden-Württemberg", "70173", "de", "+49 711 123456", false,
			seedContact{"Jürgen", "Müller", "J.Mueller@mueller-soehne.example", "Geschäftsführer", "+49 711 123457", "", "1"},
			&seedContact{"Anja", "Weiß", "anja.weiss@mueller-soehne.example", "IT-Leiterin", "+49 711 123458", "22", "1"}},
		{"Bäckerei Groß KG", "", "Marienplatz 3", "", "München", "Bayern", "80331", "de", "+49 89 2345678", false,
			seedContact{"Lukas", "Groß", "lukas@baeckerei-gross.example", "Inhaber", "+49 89 2345679", "", "1"},
			nil},
		{"Rheinland Maschinenbau AG", "", "Hohenzollernring 58", "", "Köln", "Nordrhein-Westfalen", "50672", "de", "+49 221 9876540", false,
			seedContact{"Stefanie", "Becker", "s.becker@rheinland-mb.example", "Leiterin Informationssicherheit", "+49 221 9876541", "", "1"},
			&seedContact{"Tobias", "Schröder", "t.schroeder@rheinland-mb.example", "Systemadministrator", "+49 221 9876542", "", "1"}},
		{"Nordsee Fischerei GmbH & Co. KG", "", "Am Fischereihafen 1", "", "Bremerhaven", "Bremen", "27572", "de", "+49 471 555000", false,
			seedContact{"Henrik", "Jansen", "h.jansen@nordsee-fischerei.example", "Prokurist", "+49 471 555001", "", "1"},
			&seedContact{"Maren", "Klaßen", "m.klassen@nordsee-fischerei.example", "IT-Koordinatorin", "+49 471 555002", "", "1"}},
		{"Société Générale Équipements", "SGE", "14 rue de la Paix", "", "Paris", "Île-de-France", "75002", "fr", "+33 1 42 68 53 00", false,
			seedContact{"Hélène", "Dubois", "helene.dubois@sge-equipements.example", "Responsable sécurité", "+33 1 42 68 53 01", "", "1"},
			&seedContact{"François", "Lefèvre", "francois.lefevre@sge-equipements.example", "Administrateur systèmes", "+33 1 42 68 53 02", "", "1"}},
		{"Boulangerie Château-Thierry SARL", "", "5 place de l'Hôtel de Ville", "", "Château-Thierry", "Hauts-de-France", "02400", "fr", "+33 3 23 83 00 00", true,
			seedContact{"Amélie", "Rousseau", "amelie@boulangerie-ct.example", "Gérante", "+33 3 23 83 00 01", "", "1"},
			nil},
		{"Éditions Lumière SA", "", "8 quai Saint-Vincent", "", "Lyon", "Auvergne-Rhône-Alpes", "69001", "fr", "+33 4 72 00 00 00", false,
			seedContact{"Céline", "Moreau", "celine.moreau@editions-lumiere.example", "Directrice administrative", "+33 4 72 00 00 01", "", "1"},
			&seedContact{"Noël", "Garnier", "noel.garnier@editions-lumiere.example", "Ingénieur réseau", "+33 4 72 00 00 02", "", "1"}},
		{"Coopérative Agricole de l'Essonne", "", "2 chemin des Blés", "", "Étampes", "Île-de-France", "91150", "fr", "+33 1 64 94 00 00", false,
			seedContact{"Benoît", "Lambert", "benoit.lambert@coop-essonne.example", "Président", "+33 1 64 94 00 01", "", "1"},
			&seedContact{"Zoé", "Fontaine", "zoe.fontaine@coop-essonne.example", "Technicienne informatique", "+33 1 64 94 00 02", "", "1"}},
		{"株式会社テスト工業", "テスト工業", "丸の内1-1-1", "", "千代田区", "東京都", "100-0005", "jp", "+81 3-1234-5678", false,
			seedContact{"太郎", "山田", "taro.yamada@test-kogyo.example", "情報システム部長", "+81 3-1234-5679", "", "1"},
			&seedContact{"花子", "佐藤", "hanako.sato@test-kogyo.example", "インフラエンジニア", "+81 3-1234-5680", "", "1"}},
		{"さくらネットワークス株式会社", "", "梅田2-4-9", "", "大阪市北区", "大阪府", "530-0001", "jp", "+81 6-6345-0000", false,
			seedContact{"健一", "鈴木", "k.suzuki@sakura-networks.example", "総務部長", "+81 6-6345-0001", "", "1"},
			nil},
		{"Kyoto Precision Instruments K.K.", "", "Karasuma-dori 600", "", "Kyoto", "Kyoto", "600-8008", "jp", "+81 75-123-4567", false,
			seedContact{"Haruki", "Tanaka", "haruki.tanaka@kyoto-precision.example", "General Manager", "+81 75-123-4568", "", "1"},
			&seedContact{"Yui", "Kobayashi", "yui.kobayashi@kyoto-precision.example", "Network Administrator", "+81 75-123-4569", "", "1"}},
		{"北京示例科技有限公司", "", "海淀区中关村大街1号", "", "北京市", "北京市", "100080", "cn", "+86 10 1234 5678", false,
			seedContact{"伟", "王", "wang.wei@bj-example-tech.example", "信息安全经理", "+86 10 1234 5679", "", "1"},
			nil},
		{"上海云桥信息技术有限公司", "云桥", "浦东新区世纪大道100号", "", "上海市", "上海市", "200120", "cn", "+86 21 5555 0000", false,
			seedContact{"丽", "陈", "chen.li@yunqiao.example", "运维总监", "+86 21 5555 0001", "", "1"},
			&seedContact{"强", "刘", "liu.qiang@yunqiao.example", "系统工程师", "+86 21 5555 0002", "", "1"}},
		{"한빛소프트웨어 주식회사", "", "테헤란로 152", "", "강남구", "서울특별시", "06236", "kr", "+82 2-555-0100", false,
			seedContact{"민준", "김", "minjun.kim@hanbit-sw.example", "정보보안팀장", "+82 2-555-0101", "", "1"},
			&seedContact{"서연", "이", "seoyeon.lee@hanbit-sw.example", "시스템 엔지니어", "+82 2-555-0102", "", "1"}},
		{"Maple Leaf Outfitters Ltd.", "", "200 Front Street West", "", "Toronto", "ON", "M5V 3K2", "ca", "+1 416 555 0100", false,
			seedContact{"Emily", "Tremblay", "emily.tremblay@mapleleaf-outfitters.example", "Controller", "+1 416 555 0101", "", "1"},
			&seedContact{"Liam", "Roy", "liam.roy@mapleleaf-outfitters.example", "Cloud Architect", "+1 416 555 0102", "", "1"}},
		{"Boulangerie Saint-Laurent Inc.", "", "4050 boulevard Saint-Laurent", "", "Montréal", "QC", "H2W 1Y5", "ca", "+1 514 555 0120", false,
			seedContact{"Étienne", "Gagnon", "etienne@bsl.example", "Propriétaire", "+1 514 555 0121", "", "1"},
			nil},
		{"Southern Cross Mining Pty Ltd", "", "240 St Georges Terrace", "Level 9", "Perth", "WA", "6000", "au", "+61 8 5550 1000", false,
			seedContact{"Jack", "Mitchell", "jack.mitchell@southerncross-mining.example", "Head of Technology", "+61 8 5550 1001", "", "1"},
			&seedContact{"Chloe", "Nguyen", "chloe.nguyen@southerncross-mining.example", "Security Engineer", "+61 8 5550 1002", "", "1"}},
		{"Koala Kloud Pty Ltd", "Koala Kloud", "1 Martin Place", "", "Sydney", "NSW", "2000", "au", "+61 2 5550 2000", false,
			seedContact{"Olivia", "Smith", "olivia@koalakloud.example", "Chief Operating Officer", "+61 2 5550 2001", "", "1"},
			&seedContact{"Noah", "Williams", "noah@koalakloud.example", "SRE", "+61 2 5550 2002", "", "1"}},
		{"Kiwi Orchards Limited", "", "310 Heretaunga Street East", "", "Hastings", "Hawke's Bay", "4122", "nz", "+64 6 555 0100", false,
			seedContact{"Aroha", "Ngata", "aroha.ngata@kiwiorchards.example", "Office Administrator", "+64 6 555 0101", "", "1"},
			nil},
		{"Van der Berg Logistiek B.V.", "", "Wilhelminakade 91", "", "Rotterdam", "Zuid-Holland", "3072 AP", "nl", "+31 10 555 0100", false,
			seedContact{"Pieter", "van der Berg", "pieter@vanderberg-logistiek.example", "Directeur", "+31 10 555 0101", "", "1"},
			&seedContact{"Sanne", "de Vries", "sanne.devries@vanderberg-logistiek.example", "ICT-beheerder", "+31 10 555 0102", "", "1"}},
		{"Dijkstra & Zonen B.V.", "", "Oudegracht 120", "", "Utrecht", "Utrecht", "3511 AX", "nl", "+31 30 555 0200", false,
			seedContact{"Joost", "Dijkstra", "joost@dijkstra-zonen.example", "Eigenaar", "+31 30 555 0201", "", "1"},
			&seedContact{"Femke", "Bakker", "femke.bakker@dijkstra-zonen.example", "Systeembeheerder", "+31 30 555 0202", "", "1"}},
		{"Brasserie Vandenbroucke SRL", "", "Korenmarkt 15", "", "Gent", "Oost-Vlaanderen", "9000", "be", "+32 9 555 01 00", false,
			seedContact{"Wouter", "Vandenbroucke", "wouter@brasserie-vdb.example", "Zaakvoerder", "+32 9 555 01 01", "", "1"},
			nil},
		{"Ångström Systems AB", "", "Dragarbrunnsgatan 46", "", "Uppsala", "Uppsala län", "753 20", "se", "+46 18 555 01 00", false,
			seedContact{"Astrid", "Lindqvist", "astrid.lindqvist@angstrom-systems.example", "CTO", "+46 18 555 01 01", "", "1"},
			&seedContact{"Björn", "Ekström", "bjorn.ekstrom@angstrom-systems.example", "Drifttekniker", "+46 18 555 01 02", "", "1"}},
		{"Nordlys Kraft AS", "", "Bryggen 7", "", "Bergen", "Vestland", "5003", "no", "+47 55 55 01 00", false,
			seedContact{"Ingrid", "Haugen", "ingrid.haugen@nordlys-kraft.example", "Økonomisjef", "+47 55 55 01 01", "", "1"},
			&seedContact{"Erik", "Solberg", "erik.solberg@nordlys-kraft.example", "IT-ansvarlig", "+47 55 55 01 02", "", "1"}},
		{"Øresund Design ApS", "", "Nyhavn 17", "", "København", "Hovedstaden", "1051", "dk", "+45 33 55 01 00", false,
			seedContact{"Søren", "Kjær", "soren.kjaer@oresund-design.example", "Direktør", "+45 33 55 01 01", "", "1"},
			nil},
		{"Järvi Ohjelmistot Oy", "", "Hämeenkatu 10", "", "Tampere", "Pirkanmaa", "33100", "fi", "+358 3 555 0100", false,
			seedContact{"Aino", "Virtanen", "aino.virtanen@jarvi.example", "Toimitusjohtaja", "+358 3 555 0101", "", "1"},
			&seedContact{"Mikko", "Mäkinen", "mikko.makinen@jarvi.example", "Järjestelmäasiantuntija", "+358 3 555 0102", "", "1"}},
		{"Construcciones Peñalara S.L.", "", "Calle de Alcalá 45", "3º izquierda", "Madrid", "Madrid", "28014", "es", "+34 91 555 01 00", false,
			seedContact{"José", "Martínez", "jose.martinez@penalara.example", "Director financiero", "+34 91 555 01 01", "", "1"},
			&seedContact{"Lucía", "Fernández", "lucia.fernandez@penalara.example", "Responsable de sistemas", "+34 91 555 01 02", "", "1"}},
		{"Viñedos del Duero S.A.", "", "Carretera de Soria km 3", "", "Valladolid", "Castilla y León", "47008", "es", "+34 983 55 01 00", false,
			seedContact{"Álvaro", "Gómez", "alvaro.gomez@vinedos-duero.example", "Gerente", "+34 983 55 01 01", "", "1"},
			nil},
		{"Pasticceria Dolce Vita S.r.l.", "", "Via Toledo 256", "", "Napoli", "NA", "80134", "it", "+39 081 555 0100", false,
			seedContact{"Giulia", "Esposito", "giulia@dolcevita.example", "Amministratrice", "+39 081 555 0101", "", "1"},
			&seedContact{"Marco", "Russo", "marco.russo@dolcevita.example", "Tecnico informatico", "+39 081 555 0102", "", "1"}},
		{"Officine Meccaniche Lombarde S.p.A.", "OML", "Via Niccolò Tommaseo 12", "", "Milano", "MI", "20123", "it", "+39 02 5550 0100", false,
			seedContact{"Francesca", "Bianchi", "f.bianchi@oml.example", "Responsabile IT", "+39 02 5550 0101", "310", "1"},
			&seedContact{"Luca", "Ferrari", "l.ferrari@oml.example", "Amministratore di rete", "+39 02 5550 0102", "", "1"}},
		{"Conservas Atlântico Lda.", "", "Rua de Santa Catarina 300", "", "Porto", "Porto", "4000-442", "pt", "+351 22 555 0100", false,
			seedContact{"João", "Gonçalves", "joao.goncalves@conservas-atlantico.example", "Diretor-geral", "+351 22 555 0101", "", "1"},
			nil},
		{"Zürcher Uhrenmanufaktur AG", "", "Bahnhofstrasse 70", "", "Zürich", "ZH", "8001", "ch", "+41 44 555 01 00", false,
			seedContact{"Reto", "Keller", "reto.keller@zuercher-uhren.example", "CFO", "+41 44 555 01 01", "", "1"},
			&seedContact{"Nadine", "Brunner", "nadine.brunner@zuercher-uhren.example", "Informatikerin", "+41 44 555 01 02", "", "1"}},
		{"Wiener Kaffeehaus Betriebs GmbH", "", "Herrengasse 14", "", "Wien", "Wien", "1010", "at", "+43 1 555 0100", false,
			seedContact{"Katharina", "Huber", "k.huber@wiener-kaffeehaus.example", "Geschäftsführerin", "+43 1 555 0101", "", "1"},
			&seedContact{"Florian", "Wagner", "f.wagner@wiener-kaffeehaus.example", "IT-Techniker", "+43 1 555 0102", "", "1"}},
		{"Łódzka Fabryka Tekstyliów Sp. z o.o.", "", "ul. Piotrkowska 120", "", "Łódź", "łódzkie", "90-006", "pl", "+48 42 555 01 00", false,
			seedContact{"Małgorzata", "Wiśniewska", "m.wisniewska@lft.example", "Prezes zarządu", "+48 42 555 01 01", "", "1"},
			nil},
		{"Pivovar Žatec s.r.o.", "", "Žižkovo náměstí 81", "", "Žatec", "Ústecký kraj", "438 01", "cz", "+420 415 555 010", false,
			seedContact{"Tomáš", "Dvořák", "tomas.dvorak@pivovar-zatec.example", "Jednatel", "+420 415 555 011", "", "1"},
			&seedContact{"Jana", "Nováková", "jana.novakova@pivovar-zatec.example", "Správkyně IT", "+420 415 555 012", "", "1"}},
		{"Emerald Isle Analytics DAC", "", "1 Grand Canal Square", "", "Dublin", "Dublin", "D02 P820", "ie", "+353 1 555 0100", false,
			seedContact{"Aoife", "Murphy", "aoife.murphy@emerald-analytics.example", "Head of Compliance", "+353 1 555 0101", "", "1"},
			&seedContact{"Seán", "Kelly", "sean.kelly@emerald-analytics.example", "Cloud Engineer", "+353 1 555 0102", "", "1"}},
		{"São Paulo Tecnologia Ltda.", "SPTec", "Avenida Paulista 1578", "Conjunto 41", "São Paulo", "SP", "01310-200", "br", "+55 11 5555 0100", false,
			seedContact{"Ana", "Souza", "ana.souza@sptec.example", "Gerente de TI", "+55 11 5555 0101", "", "1"},
			nil},
		{"Açaí Brasil Alimentos S.A.", "", "Travessa Padre Eutíquio 1200", "", "Belém", "PA", "66023-710", "br", "+55 91 5555 0200", false,
			seedContact{"Luíza", "Araújo", "luiza.araujo@acai-brasil.example", "Diretora financeira", "+55 91 5555 0201", "", "1"},
			&seedContact{"Thiago", "Lima", "thiago.lima@acai-brasil.example", "Analista de infraestrutura", "+55 91 5555 0202", "", "1"}},
		{"Café Oaxaqueño S.A. de C.V.", "", "Calle Macedonio Alcalá 403", "", "Oaxaca de Juárez", "OAX", "68000", "mx", "+52 951 555 0100", false,
			seedContact{"Guadalupe", "Hernández", "guadalupe@cafe-oaxaqueno.example", "Administradora", "+52 951 555 0101", "", "1"},
			&seedContact{"Diego", "Ramírez", "diego.ramirez@cafe-oaxaqueno.example", "Soporte técnico", "+52 951 555 0102", "", "1"}},
		{"Estancia La Pampa S.R.L.", "", "Ruta Nacional 5 km 120", "", "Luján", "Buenos Aires", "B6700", "ar", "+54 2323 55 0100", true,
			seedContact{"Martín", "Sánchez", "martin.sanchez@lapampa.example", "Encargado", "+54 2323 55 0101", "", "1"},
			nil},
		{"Ganga Textiles Private Limited", "", "D 47/190 Ramapura", "", "Varanasi", "Uttar Pradesh", "221001", "in", "+91 542 555 0100", false,
			seedContact{"Anil", "Verma", "anil.verma@gangatextiles.example", "Director", "+91 542 555 0101", "", "1"},
			&seedContact{"Sunita", "Rao", "sunita.rao@gangatextiles.example", "IT Executive", "+91 542 555 0102", "", "1"}},
		{"Bengaluru Cloud Services Pvt Ltd", "BCS", "80 Feet Road, Koramangala", "4th Block", "Bengaluru", "Karnataka", "560034", "in", "+91 80 5555 0100", false,
			seedContact{"Karthik", "Iyer", "karthik.iyer@blr-cloud.example", "VP Engineering", "+91 80 5555 0101", "", "1"},
			&seedContact{"Deepa", "Menon", "deepa.menon@blr-cloud.example", "Security Architect", "+91 80 5555 0102", "", "1"}},
		{"Lion City Fintech Pte. Ltd.", "", "8 Marina View", "#20-01", "Singapore", "", "018960", "sg", "+65 6555 0100", false,
			seedContact{"Wei Ling", "Tan", "weiling.tan@lioncityfintech.example", "Chief Risk Officer", "+65 6555 0101", "", "1"},
			nil},
		{"Table Mountain Vineyards (Pty) Ltd", "", "Main Road 12", "", "Constantia", "Western Cape", "7806", "za", "+27 21 555 0100", false,
			seedContact{"Thandiwe", "Nkosi", "thandiwe.nkosi@tablemountainwines.example", "Managing Director", "+27 21 555 0101", "", "1"},
			&seedContact{"Pieter", "du Plessis", "pieter.duplessis@tablemountainwines.example", "IT Manager", "+27 21 555 0102", "", "1"}},
		{"Desert Rose Trading LLC", "", "Sheikh Zayed Road, Office 1204", "", "Dubai", "Dubai", "00000", "ae", "+971 4 555 0100", false,
			seedContact{"Omar", "Al-Farsi", "omar.alfarsi@desertrose.example", "Operations Manager", "+971 4 555 0101", "", "1"},
			&seedContact{"Layla", "Haddad", "layla.haddad@desertrose.example", "Systems Engineer", "+971 4 555 0102", "", "1"}},
		{"Galil Cyber Ltd", "", "HaNamal 30", "", "Haifa", "Haifa", "3303128", "il", "+972 4 555 0100", false,
			seedContact{"Noa", "Levi", "noa.levi@galilcyber.example", "CEO", "+972 4 555 0101", "", "1"},
			nil},
		{"İstanbul Boğaziçi Lojistik A.Ş.", "", "Büyükdere Caddesi 185", "", "İstanbul", "İstanbul", "34394", "tr", "+90 212 555 01 00", false,
			seedContact{"Ayşe", "Yılmaz", "ayse.yilmaz@bogazici-lojistik.example", "Genel Müdür", "+90 212 555 01 01", "", "1"},
			&seedContact{"Emre", "Çelik", "emre.celik@bogazici-lojistik.example", "Bilgi İşlem Uzmanı", "+90 212 555 01 02", "", "1"}},
		{"Ελληνική Ναυτιλιακή Α.Ε.", "", "Ακτή Μιαούλη 47", "", "Πειραιάς", "Αττική", "185 36", "gr", "+30 210 555 0100", false,
			seedContact{"Γιώργος", "Παπαδόπουλος", "g.papadopoulos@hellenic-shipping.example", "Διευθυντής", "+30 210 555 0101", "", "1"},
			&seedContact{"Μαρία", "Νικολάου", "m.nikolaou@hellenic-shipping.example", "Μηχανικός δικτύων", "+30 210 555 0102", "", "1"}},
		{`Evil <script>alert("x")</script> Corp`, "", "1 Injection Way", "", "Springfield", "IL", "62701", "us", "+1 217 555 0100", false,
			seedContact{"Robert'); DROP TABLE", "Students;--", "bobby.tables@evil-corp.example", "<img src=x onerror=alert(1)>", "+1 217 555 0101", "", "1"},
			nil},
		{"The International Consolidated Amalgamated Holdings Company of Greater Metropolitan Regional Services and Associated Enterprises Limited", "ICAH", "1 Very Long Avenue", "", "Manchester", "Greater Manchester", "M1 1AE", "gb", "+44 161 496 0100", false,
			seedContact{"Bartholomew", "Featherstonehaugh-Wolfeschlegelsteinhausen", "bartholomew.featherstonehaugh-wolfeschlegelsteinhausen@icah-holdings-and-associated-enterprises.example", "Group Head of Information Security, Governance & Risk Compliance", "+44 161 496 0101", "123456", "1"},
			&seedContact{"Jo", "Li", "jo@icah.example", "", "", "", ""}},
		{"Polaris Data Centres Ltd", "", "Unit 4, Harbour Exchange", "", "London", "Greater London", "E14 9GE", "gb", "+44 20 7946 0100", false,
			seedContact{"Nikhil", "Desai", "nikhil.desai@polaris-dc.example", "Operations Director", "+44 20 7946 0101", "", "1"},
			&seedContact{"Hannah", "Price", "hannah.price@polaris-dc.example", "Certificate Lifecycle Engineer", "+44 20 7946 0102", "", "1"}},
		{"Granite State Manufacturing Co.", "", "77 Elm Street", "", "Manchester", "NH", "03101", "us", "+1 603 555 0100", false,
			seedContact{"Caroline", "Dubois", "cdubois@granitestate-mfg.example", "Plant Controller", "+1 603 555 0101", "", "1"},
			nil},
	}
}

// The parts made-up organizations are put together from: plain ASCII, so
// that each one's contacts can be sent back as they are.
var (
	madeUpNames  = []string{"Northwind", "Bluestone", "Silver Birch", "Harbourview", "Redfern", "Oakmont", "Clearwater", "Ironbridge", "Lakeshore", "Westgate", "Kingsway", "Brightwater", "Fairhaven", "Stonebridge", "Highfield", "Riverside"}
	madeUpTrades = []string{"Logistics", "Systems", "Health", "Energy", "Foods", "Software", "Consulting", "Engineering", "Trading", "Security", "Financial", "Labs"}
	madeUpFirst  = []string{"Alex", "Maria", "Sam", "Priya", "Jonas", "Keiko", "Omar", "Grace", "Luca", "Nina", "Tom", "Aisha"}
	madeUpLast   = []string{"Smith", "Garcia", "Chen", "Novak", "Okafor", "Berg", "Tanaka", "Rossi", "Dubois", "Khan", "Walsh", "Silva"}
	madeUpJobs   = []string{"IT Manager", "Security Engineer", "Office Manager", "Systems Administrator", "Finance Director"}
	madeUpPlaces = []struct{ city, state, zip, country, suffix, telephone string }{
		{"Chicago", "IL", "60601", "us", "Inc.", "+1 312 555 "},
		{"Leeds", "West Yorkshire", "LS1 4AP", "gb", "Ltd", "+44 113 496 "},
		{"Hamburg", "Hamburg", "20095", "de", "GmbH", "+49 40 555 "},
		{"Lyon", "Auvergne-Rhone-Alpes", "69002", "fr", "SAS", "+33 4 72 55 "},
		{"Osaka", "Osaka", "530-0001", "jp", "K.K.", "+81 6 6555 "},
		{"Toronto", "ON", "M5H 2N2", "ca", "Inc.", "+1 416 555 "},
		{"Melbourne", "VIC", "3000", "au", "Pty Ltd", "+61 3 5550 "},
	}
)

// madeUpOrganization is the i-th organization (from 0) beyond the seed
// table, for a sandbox holding as many organizations as a large account:
// a name made unique by its number, a country of the seed's, an
// organization contact, a technical contact for two in three, and one in
// fifty inactive.
func madeUpOrganization(i int) seedOrganization {
	place := madeUpPlaces[i%len(madeUpPlaces)]
	name := fmt.Sprintf("%s %s %d %s", madeUpNames[i%len(madeUpNames)], madeUpTrades[i/len(madeUpNames)%len(madeUpTrades)], i+1, place.suffix)
	domain := fmt.Sprintf("%s-%d.example", strings.ToLower(strings.ReplaceAll(madeUpNames[i%len(madeUpNames)], " ", "")), i+1)
	person := func(n int) seedContact {
		first, last := madeUpFirst[n%len(madeUpFirst)], madeUpLast[n/len(madeUpFirst)%len(madeUpLast)]
		return seedContact{
			first: first, last: last,
			email:      strings.ToLower(first+"."+last) + "@" + domain,
			jobTitle:   madeUpJobs[n%len(madeUpJobs)],
			telephone:  fmt.Sprintf("%s%04d", place.telephone, n%10000),
			languageID: "1",
		}
	}
	row := seedOrganization{
		name: name, address: fmt.Sprintf("%d Main Street", i%900+1), city: place.city, state: place.state,
		zip: place.zip, cc: place.country, telephone: fmt.Sprintf("%s%04d", place.telephone, i%10000),
		inactive: i%50 == 49,
		org:      person(2 * i),
	}
	if i%3 != 0 {
		tech := person(2*i + 1)
		row.tech = &tech
	}
	return row
}
