from django.urls import path

from opportunities import views

app_name = "opportunities"

urlpatterns = [
    path("", views.OpportunityListView.as_view(), name="list"),
    path("new/", views.opportunity_create, name="create"),
    path("mine/", views.my_opportunities, name="mine"),
    path("board/", views.opportunity_board, name="board"),
    path("<int:pk>/", views.opportunity_detail, name="detail"),
    path("<int:pk>/edit/", views.opportunity_edit, name="edit"),
    path("<int:pk>/delete/", views.opportunity_delete, name="delete"),
    path("<int:pk>/assign/", views.opportunity_assign, name="assign"),
    path("<int:pk>/succeed/", views.opportunity_succeed, name="succeed"),
    path("<int:pk>/link/", views.opportunity_link, name="link"),
    path("<int:pk>/fail/", views.opportunity_fail, name="fail"),
    path("<int:pk>/plan/new/", views.plan_item_create, name="plan_create"),
    path("<int:pk>/plan/<int:item>/edit/", views.plan_item_edit, name="plan_edit"),
    path("<int:pk>/plan/<int:item>/result/", views.plan_item_result, name="plan_result"),
    path("<int:pk>/plan/<int:item>/delete/", views.plan_item_delete, name="plan_delete"),
]
