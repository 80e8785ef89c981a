package bigquery

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	bq "cloud.google.com/go/bigquery"
	"google.golang.org/api/googleapi"
)

// datasetLocator tells where a dataset is. found is false when the dataset does not exist.
type datasetLocator interface {
	DatasetLocation(ctx context.Context, project, dataset string) (location string, found bool, err error)
}

// clientLocator reads a dataset's metadata through the BigQuery client (the datasets.get call,
// which needs bigquery.datasets.get, a permission of roles/bigquery.dataViewer).
type clientLocator struct{ client *bq.Client }

func (l clientLocator) DatasetLocation(ctx context.Context, project, dataset string) (string, bool, error) {
	md, err := l.client.DatasetInProject(project, dataset).Metadata(ctx)
	var ge *googleapi.Error
	if errors.As(err, &ge) && ge.Code == 404 {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return md.Location, true, nil
}

// chooseLocation decides where a run's jobs run and its datasets are created. A location in the
// project file wins. Without one, it is the location of the datasets the run reads (sources) and
// of its own datasets that exist already (outputs): BigQuery fixes a dataset's location when the
// dataset is created, and a query reads only datasets of one location ("Create datasets", dataset
// limitations, in BigQuery's documentation), so output datasets created in BigQuery's default
// location would make every query of the run fail when the sources are elsewhere. Datasets in
// more than one location are refused, as no query could read them together. No existing dataset
// at all leaves the location to BigQuery (""). Schemas are written dataset or project.dataset;
// a bare dataset is in defaultProject.
func chooseLocation(ctx context.Context, l datasetLocator, defaultProject, configured string, sources, outputs []string, file string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	byLocation := map[string][]string{}
	var first string
	seen := map[string]bool{}
	for _, schema := range append(append([]string{}, sources...), outputs...) {
		if schema == "" {
			continue
		}
		project, dataset, ok := strings.Cut(schema, ".")
		if !ok {
			project, dataset = defaultProject, schema
		}
		name := project + "." + dataset
		if seen[name] {
			continue
		}
		seen[name] = true
		loc, found, err := l.DatasetLocation(ctx, project, dataset)
		if err != nil {
			return "", fmt.Errorf("cannot read the location of dataset %s, which idstitch needs because warehouse.location in %s is not set (its datasets go where the sources are); grant bigquery.datasets.get on it or set warehouse.location (%w)", name, file, err)
		}
		if !found {
			continue
		}
		key := strings.ToUpper(loc)
		if len(byLocation) == 0 {
			first = loc
		}
		byLocation[key] = append(byLocation[key], name)
	}
	if len(byLocation) > 1 {
		var parts []string
		for loc, names := range byLocation {
			parts = append(parts, loc+": "+strings.Join(names, ", "))
		}
		sort.Strings(parts)
		return "", fmt.Errorf("the project in %s reads and writes datasets in more than one location (%s), and a BigQuery query reads datasets of one location only; move them to one location and name it as warehouse.location", file, strings.Join(parts, "; "))
	}
	return first, nil
}
