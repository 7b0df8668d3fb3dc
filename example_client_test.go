package elements_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/elementsgo/elements"
)

// examplePlatform stands in for the platform so the examples run offline.
// (Real code points WithBaseURL at one of the BaseURL constants, or at an
// elementstest server in tests.)
func examplePlatform() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /elements/api-v2/instances", func(w http.ResponseWriter, r *http.Request) {
		var req elements.InstanceRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, `{"message":"bad body"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(elements.Instance{
			ID: 12345, Name: req.Name, Token: "ABC/Dxe2Ci7ozl4ySs3XIjq4mtl8zhIlohvj9NhCUrc=",
			Element: elements.Element{ID: 6156, Key: req.Element.Key, Name: "Acuity Scheduling"},
			Tags:    req.Tags, Valid: true, EventsEnabled: req.Configuration.EventsEnabled,
			CreatedDate: time.Date(2017, 8, 7, 18, 46, 38, 0, time.UTC),
		})
	})
	mux.HandleFunc("GET /elements/api-v2/elements/{key}/oauth/url", func(w http.ResponseWriter, r *http.Request) {
		q := url.Values{"response_type": {"code"}, "client_id": {r.URL.Query().Get("apiKey")},
			"redirect_uri": {r.URL.Query().Get("callbackUrl")}, "scope": {"api-v1"}, "state": {r.URL.Query().Get("state")}}
		_ = json.NewEncoder(w).Encode(map[string]string{
			"oauthUrl": "https://acuityscheduling.com/oauth2/authorize?" + q.Encode(),
			"element":  r.PathValue("key"),
		})
	})
	mux.HandleFunc("GET /elements/api-v2/instances", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("searchText") != "API Instance" {
			http.Error(w, `{"message":"No instances found"}`, http.StatusNotFound)
			return
		}
		fmt.Fprint(w, `[{"id":12345,"name":"API Instance","tags":[{"id":1,"name":"Docs"}],"element":{"key":"acuityscheduling"}}]`)
	})
	mux.HandleFunc("GET /elements/api-v2/instances/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Elements-Request-Id", "5f2a8c")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"message":"No instance found with id %s"}`, r.PathValue("id"))
	})
	return httptest.NewServer(mux)
}

func ExampleNewClient() {
	client, err := elements.NewClient(
		"user-secret", // load both from your secret store
		"org-secret",
		elements.WithBaseURL(elements.BaseURLOpenConnectorsEU10),
		elements.WithRetry(5, time.Second, time.Minute),
		elements.WithUserAgent("myapp/1.0"),
		elements.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client.BaseURL())
	fmt.Println(client) // secrets never print
	// Output:
	// https://api.openconnectors.eu10.ext.hana.ondemand.com/elements/api-v2
	// elements.Client{BaseURL: https://api.openconnectors.eu10.ext.hana.ondemand.com/elements/api-v2, UserSecret: [REDACTED], OrganizationSecret: [REDACTED]}
}

func ExampleInstancesService_Create() {
	platform := examplePlatform()
	defer platform.Close()
	client, err := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(platform.URL+"/elements/api-v2"))
	if err != nil {
		log.Fatal(err)
	}

	// The seeds' create request: the code comes from the OAuth redirect.
	inst, err := client.Instances.Create(context.Background(), &elements.InstanceRequest{
		Element:      elements.ElementRef{Key: "acuityscheduling"},
		ProviderData: elements.ProviderData{Code: "xoz8AFqScK2ngM04kSSM"},
		Configuration: elements.Configuration{
			OAuthAPIKey:       "Rand0MAP1-key",
			OAuthAPISecret:    "fak3AP1-s3Cr3t",
			OAuthCallbackURL:  "https://mycoolapp.com",
			EventsEnabled:     true,
			EventCallbackURL:  "https://mycoolapp.com/events",
			EventSignatureKey: "a-long-random-signing-key",
		},
		Tags: []string{"Docs"},
		Name: "API Instance",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(inst.ID, inst.Name, inst.Element.Key, inst.EventsEnabled)
	fmt.Println("token received:", inst.Token != "") // store inst.Token like a password
	// Output:
	// 12345 API Instance acuityscheduling true
	// token received: true
}

func ExampleInstancesService_OAuthURL() {
	platform := examplePlatform()
	defer platform.Close()
	client, err := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(platform.URL+"/elements/api-v2"))
	if err != nil {
		log.Fatal(err)
	}

	// Step 1: where to send the user's browser. Acuity redirects back to
	// CallbackURL with ?code=...&state=...
	authURL, err := client.Instances.OAuthURL(context.Background(), "acuityscheduling", &elements.OAuthURLParams{
		APIKey:      "Rand0MAP1-key",
		APISecret:   "fak3AP1-s3Cr3t",
		CallbackURL: "https://mycoolapp.com",
		State:       "d2f1c0",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(authURL)
	// Output:
	// https://acuityscheduling.com/oauth2/authorize?client_id=Rand0MAP1-key&redirect_uri=https%3A%2F%2Fmycoolapp.com&response_type=code&scope=api-v1&state=d2f1c0
}

func ExampleInstancesService_List() {
	platform := examplePlatform()
	defer platform.Close()
	client, err := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(platform.URL+"/elements/api-v2"))
	if err != nil {
		log.Fatal(err)
	}

	for _, search := range []string{"API Instance", "nothing like it"} {
		list, err := client.Instances.List(context.Background(), &elements.ListOptions{SearchText: search, Tags: []string{"Docs"}})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%q: %d found\n", search, len(list))
		for _, inst := range list {
			fmt.Println(inst.ID, inst.Name, inst.Tags)
		}
	}
	// Output:
	// "API Instance": 1 found
	// 12345 API Instance [Docs]
	// "nothing like it": 0 found
}

func ExampleAPIError() {
	platform := examplePlatform()
	defer platform.Close()
	client, err := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(platform.URL+"/elements/api-v2"))
	if err != nil {
		log.Fatal(err)
	}

	_, err = client.Instances.Get(context.Background(), 999)
	var apiErr *elements.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.RequestID, apiErr.Message)
	}
	fmt.Println(errors.Is(err, elements.ErrNotFound))
	fmt.Println(err)
	// Output:
	// 404 5f2a8c No instance found with id 999
	// true
	// elements: GET /elements/api-v2/instances/999: 404 Not Found: No instance found with id 999 [request id 5f2a8c]
}

// An instance-scoped call outside the Instances API, with the instance
// token: the request goes through the same retries, errors and redaction.
func ExampleClient_NewRequest() {
	platform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scoped := strings.HasSuffix(r.Header.Get("Authorization"), ", Element instance-token")
		fmt.Fprintf(w, `{"id": 42, "firstName": "Ada", "scoped": %t}`, scoped)
	}))
	defer platform.Close()
	client, err := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(platform.URL))
	if err != nil {
		log.Fatal(err)
	}

	req, err := client.NewRequest(context.Background(), http.MethodGet, "/hubs/scheduling/appointments/42", nil,
		elements.WithElementToken("instance-token"))
	if err != nil {
		log.Fatal(err)
	}
	var appt struct {
		ID        int64  `json:"id"`
		FirstName string `json:"firstName"`
		Scoped    bool   `json:"scoped"`
	}
	if _, err := client.Do(req, &appt); err != nil {
		log.Fatal(err)
	}
	fmt.Println(appt.ID, appt.FirstName, appt.Scoped)
	// Output:
	// 42 Ada true
}
