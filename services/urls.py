from django.urls import path

from services.views import queues, requests

app_name = "services"

urlpatterns = [
    # Lists and work queues (services/views/queues.py)
    path("", queues.service_list, name="list"),
    path("assign/", queues.assignment_queue, name="assign_queue"),
    path("handle/", queues.handling_queue, name="handle_queue"),
    path("feedback/", queues.feedback_queue, name="feedback_queue"),
    path("archive/", queues.archive, name="archive"),
    path("counts/", queues.menu_counts, name="menu_counts"),
    # One request and its steps (services/views/requests.py)
    path("new/", requests.request_create, name="create"),
    path("customers/", requests.customer_choices, name="customer_choices"),
    path("<int:pk>/", requests.request_detail, name="detail"),
    path("<int:pk>/delete/", requests.request_delete, name="delete"),
    path("<int:pk>/assign/", requests.request_assign, name="assign"),
    path("<int:pk>/handle/", requests.request_handle, name="handle"),
    path("<int:pk>/feedback/", requests.request_feedback, name="feedback"),
]
